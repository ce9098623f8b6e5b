package ai.edgevl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Sampling settings of one {@link Session#generate} call ({@code edgevl::GenerationConfig}, Hugging Face
 * {@code generate()} semantics). A field left unset takes the model's default from its generation_config.json (the
 * demo model: greedy, 32 new tokens). Immutable; build with {@link #builder()}. Values out of range are rejected by
 * {@link Session#generate} with {@link ErrorCode#INVALID_ARGUMENT} naming the field.
 *
 * <pre>{@code
 * GenerationConfig c = GenerationConfig.builder().maxNewTokens(64).temperature(0.7f).topP(0.9f).seed(7).build();
 * }</pre>
 */
public final class GenerationConfig {
  /** Sent to native code for an unset field (the C API's EDGEVL_UNSET). */
  static final int UNSET = -1;

  private final Integer maxNewTokens;
  private final Float temperature;
  private final Integer topK;
  private final Float topP;
  private final Float repetitionPenalty;
  private final Long seed;
  private final List<String> stop;

  private GenerationConfig(Builder b) {
    maxNewTokens = b.maxNewTokens;
    temperature = b.temperature;
    topK = b.topK;
    topP = b.topP;
    repetitionPenalty = b.repetitionPenalty;
    seed = b.seed;
    stop = Collections.unmodifiableList(new ArrayList<>(b.stop));
  }

  /** Every field unset: the model's defaults. */
  public static GenerationConfig defaults() {
    return new Builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxNewTokens = maxNewTokens;
    b.temperature = temperature;
    b.topK = topK;
    b.topP = topP;
    b.repetitionPenalty = repetitionPenalty;
    b.seed = seed;
    b.stop.addAll(stop);
    return b;
  }

  /** Unset fields are null. */
  public Integer maxNewTokens() {
    return maxNewTokens;
  }

  public Float temperature() {
    return temperature;
  }

  public Integer topK() {
    return topK;
  }

  public Float topP() {
    return topP;
  }

  public Float repetitionPenalty() {
    return repetitionPenalty;
  }

  public Long seed() {
    return seed;
  }

  public List<String> stop() {
    return stop;
  }

  // Values for the JNI call (UNSET for unset fields).
  int nativeMaxNewTokens() {
    return maxNewTokens == null ? UNSET : maxNewTokens;
  }

  float nativeTemperature() {
    return temperature == null ? UNSET : temperature;
  }

  int nativeTopK() {
    return topK == null ? UNSET : topK;
  }

  float nativeTopP() {
    return topP == null ? UNSET : topP;
  }

  float nativeRepetitionPenalty() {
    return repetitionPenalty == null ? UNSET : repetitionPenalty;
  }

  long nativeSeed() {
    return seed == null ? UNSET : seed;
  }

  String[] nativeStop() {
    return stop.toArray(new String[0]);
  }

  /** Builds a {@link GenerationConfig}; each setter validates its value (IllegalArgumentException naming it). */
  public static final class Builder {
    private Integer maxNewTokens;
    private Float temperature;
    private Integer topK;
    private Float topP;
    private Float repetitionPenalty;
    private Long seed;
    private final List<String> stop = new ArrayList<>();

    private Builder() {}

    /** Maximum number of new tokens, at least 1. Generation also stops when the context length is full. */
    public Builder maxNewTokens(int n) {
      if (n < 1) throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + n);
      maxNewTokens = n;
      return this;
    }

    /** Softmax temperature: 0 = greedy, above 0 samples. */
    public Builder temperature(float t) {
      if (!(t >= 0)) throw new IllegalArgumentException("temperature must be >= 0, got " + t);
      temperature = t;
      return this;
    }

    /** Keep the k most likely tokens; 0 = off, 1 = greedy. */
    public Builder topK(int k) {
      if (k < 0) throw new IllegalArgumentException("topK must be >= 0, got " + k);
      topK = k;
      return this;
    }

    /** Nucleus sampling threshold in (0, 1]; 1 = off. */
    public Builder topP(float p) {
      if (!(p > 0 && p <= 1)) throw new IllegalArgumentException("topP must be in (0, 1], got " + p);
      topP = p;
      return this;
    }

    /** Repetition penalty over the whole conversation, above 0; 1 = off. */
    public Builder repetitionPenalty(float r) {
      if (!(r > 0)) throw new IllegalArgumentException("repetitionPenalty must be > 0, got " + r);
      repetitionPenalty = r;
      return this;
    }

    /** Seed of the sampler (same seed + settings + prompt = same text); at least 0. */
    public Builder seed(long s) {
      if (s < 0) throw new IllegalArgumentException("seed must be >= 0, got " + s);
      seed = s;
      return this;
    }

    /** Adds stop strings: generation ends when the text contains one, which is excluded from the text. */
    public Builder stop(String... strings) {
      for (String s : strings) {
        if (s == null) throw new IllegalArgumentException("stop strings must not be null: " + Arrays.toString(strings));
        stop.add(s);
      }
      return this;
    }

    public GenerationConfig build() {
      return new GenerationConfig(this);
    }
  }
}
