package ai.edgevl.chat;

import ai.edgevl.EdgeVLException;
import ai.edgevl.ErrorCode;

/** An error as a chat UI shows it: a short title for the kind of problem and the detailed message. */
public final class ChatError {
  private final ErrorCode code;
  private final String title;
  private final String message;

  ChatError(ErrorCode code, String title, String message) {
    this.code = code;
    this.title = title;
    this.message = message;
  }

  static ChatError of(EdgeVLException e) {
    return new ChatError(e.code(), titleOf(e.code()), e.getMessage());
  }

  static ChatError usage(String message) {
    return new ChatError(null, "Not now", message);
  }

  static ChatError unexpected(Throwable t) {
    return new ChatError(ErrorCode.INTERNAL, "Unexpected error", t.toString());
  }

  /** The EdgeVL error code; null for a misuse of the controller (e.g. asking while an answer is running). */
  public ErrorCode code() {
    return code;
  }

  public String title() {
    return title;
  }

  /** The message from EdgeVL, naming the input (file path, argument) that is wrong. */
  public String message() {
    return message;
  }

  /** "title: message". */
  public String display() {
    return title + ": " + message;
  }

  @Override
  public String toString() {
    return display();
  }

  private static String titleOf(ErrorCode code) {
    switch (code) {
      case NOT_FOUND:
        return "File not found";
      case CORRUPT_FILE:
        return "Unreadable file";
      case UNSUPPORTED:
        return "Not supported";
      case CONTEXT_OVERFLOW:
        return "Conversation too long (start a new one)";
      case INVALID_ARGUMENT:
        return "Invalid input";
      case CANCELLED:
        return "Cancelled";
      case IO:
        return "I/O error";
      default:
        return "Internal error";
    }
  }
}
