package ai.edgevl;

/** What one {@link Session#generate} call produced ({@code edgevl::Result}). */
public final class Result {
  private final String text;
  private final int[] tokenIds;
  private final StopReason stopReason;
  private final Stats stats;

  /** Called by the JNI layer. */
  Result(String text, int[] tokenIds, int stopReason, Stats stats) {
    this.text = text;
    this.tokenIds = tokenIds;
    this.stopReason = StopReason.fromNative(stopReason);
    this.stats = stats;
  }

  /** The generated text (special tokens skipped, a stop string and what follows excluded). */
  public String text() {
    return text;
  }

  /** Generated token ids, including an end-of-sequence token that ended generation (a copy). */
  public int[] tokenIds() {
    return tokenIds.clone();
  }

  public StopReason stopReason() {
    return stopReason;
  }

  public Stats stats() {
    return stats;
  }

  @Override
  public String toString() {
    return "Result[" + stopReason + ": \"" + text + "\"]";
  }
}
