package ai.edgevl;

/**
 * Receives the answer as it is generated. Called on the thread that called {@link Session#generate}, in order; the
 * pieces concatenated are {@link Result#text}.
 */
@FunctionalInterface
public interface TokenListener {
  /**
   * @param piece UTF-8-decoded text of one or more new tokens (never empty)
   * @return true to go on, false to stop generation ({@link StopReason#CALLBACK}). A RuntimeException thrown here
   *     stops generation and is rethrown by {@link Session#generate}.
   */
  boolean onToken(String piece);
}
