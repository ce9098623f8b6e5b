package ai.edgevl;

/** Why generation stopped ({@code edgevl::StopReason}; ordinals equal the C {@code edgevl_stop_reason} values). */
public enum StopReason {
  /** The model produced an end-of-sequence token. */
  EOS,
  /** {@link GenerationConfig.Builder#maxNewTokens} reached. */
  MAX_TOKENS,
  /** The model's context length is full. */
  CONTEXT_FULL,
  /** The text contains a stop string. */
  STOP_STRING,
  /** The {@link TokenListener} returned false. */
  CALLBACK,
  /** {@link Session#cancel()} was called. */
  CANCELLED;

  static StopReason fromNative(int value) {
    StopReason[] all = values();
    return value >= 0 && value < all.length ? all[value] : CANCELLED;
  }
}
