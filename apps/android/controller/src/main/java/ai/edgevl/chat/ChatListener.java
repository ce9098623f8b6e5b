package ai.edgevl.chat;

/**
 * What a {@link ChatController} tells its front end (an Android Activity, the edgevl-chat console). Every call is
 * made through the controller's callback executor (the UI thread on Android), in order: for one question
 * onAnswerStarted, then onToken for each piece, then onAnswerFinished or onError.
 */
public interface ChatListener {
  /** The model is being opened (off the UI thread). */
  default void onModelLoading(String bundlePath) {}

  /** The model is ready; {@code description} is e.g. "qwen2vl-shapes.evl: fp32, context 128 tokens". */
  default void onModelLoaded(String description) {}

  /** A question was accepted and generation begins. */
  default void onAnswerStarted(String prompt, int images) {}

  /** The next piece of the answer. */
  default void onToken(String piece) {}

  /** The answer is complete (also after {@link ChatController#stop()}: then its stop reason is CANCELLED). */
  default void onAnswerFinished(Answer answer) {}

  /** Loading or answering failed; the conversation is as it was before the question. */
  default void onError(ChatError error) {}

  /** True while the model loads or an answer is generated (a UI disables "ask" and enables "stop"). */
  default void onBusyChanged(boolean busy) {}

  /** The conversation was forgotten ({@link ChatController#newConversation()}). */
  default void onConversationReset() {}
}
