package ai.edgevl;

import java.util.Locale;

/**
 * Timings of one {@link Session#generate} call ({@code edgevl::Stats}): milliseconds of wall time, rates in tokens per
 * second (0 when nothing ran).
 */
public final class Stats {
  /** Images in the request. */
  public final int images;
  /** Image decode + resize + normalize + patchify, all images. */
  public final double preprocessMs;
  /** Vision tower runs, all images. */
  public final double vitMs;
  /** Conversation length when generation started (cached + new prompt tokens). */
  public final long promptTokens;
  /** Tokens prefilled by THIS call; a follow-up question prefills only its new tokens. */
  public final long prefillTokens;
  public final double prefillMs;
  public final double prefillTokensPerS;
  /** From the call to the first generated token (includes image work). */
  public final double ttftMs;
  /** Generated tokens, including a final end-of-sequence token. */
  public final long decodeTokens;
  public final double decodeMs;
  public final double decodeTokensPerS;
  public final double totalMs;

  Stats(int images, double preprocessMs, double vitMs, long promptTokens, long prefillTokens, double prefillMs,
      double prefillTokensPerS, double ttftMs, long decodeTokens, double decodeMs, double decodeTokensPerS,
      double totalMs) {
    this.images = images;
    this.preprocessMs = preprocessMs;
    this.vitMs = vitMs;
    this.promptTokens = promptTokens;
    this.prefillTokens = prefillTokens;
    this.prefillMs = prefillMs;
    this.prefillTokensPerS = prefillTokensPerS;
    this.ttftMs = ttftMs;
    this.decodeTokens = decodeTokens;
    this.decodeMs = decodeMs;
    this.decodeTokensPerS = decodeTokensPerS;
    this.totalMs = totalMs;
  }

  /** One line for a status bar, e.g. "prefill 12 tok (3 cached) 250.0 tok/s, first token 40.1 ms, decode 9 tok 80.2 tok/s". */
  public String summary() {
    return String.format(Locale.ROOT,
        "ViT %.1f ms, prefill %d tok (%d cached) %.1f tok/s, first token %.1f ms, decode %d tok %.1f tok/s",
        vitMs, prefillTokens, promptTokens - prefillTokens, prefillTokensPerS, ttftMs, decodeTokens,
        decodeTokensPerS);
  }

  @Override
  public String toString() {
    return summary();
  }
}
