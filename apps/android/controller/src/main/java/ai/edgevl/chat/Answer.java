package ai.edgevl.chat;

import ai.edgevl.Result;
import ai.edgevl.Stats;
import ai.edgevl.StopReason;

/** One finished answer of a {@link ChatController} conversation. */
public final class Answer {
  private final String prompt;
  private final int turn;
  private final Result result;

  Answer(String prompt, int turn, Result result) {
    this.prompt = prompt;
    this.turn = turn;
    this.result = result;
  }

  /** The question as asked. */
  public String prompt() {
    return prompt;
  }

  /** 1 for the first question of a conversation, 2 for its first follow-up, ... */
  public int turn() {
    return turn;
  }

  /** The whole answer text (what was streamed to {@link ChatListener#onToken}, concatenated). */
  public String text() {
    return result.text();
  }

  public StopReason stopReason() {
    return result.stopReason();
  }

  public Stats stats() {
    return result.stats();
  }

  /** The line a UI shows under the answer: timings, and how much of the conversation came from the KV cache. */
  public String statsLine() {
    String stop = result.stopReason() == StopReason.CANCELLED ? "stopped, " : "";
    return stop + result.stats().summary();
  }
}
