package ai.edgevl;

/**
 * The one exception type of the EdgeVL binding: every native failure arrives as this, with the {@link ErrorCode} of
 * the C/C++ error and its message, which names the input (file path, argument) and what is wrong with it.
 */
public class EdgeVLException extends Exception {
  private static final long serialVersionUID = 1L;
  private final ErrorCode code;

  public EdgeVLException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  /** Called by the JNI layer with the C status value. */
  EdgeVLException(int status, String message) {
    this(ErrorCode.fromStatus(status), message);
  }

  public ErrorCode code() {
    return code;
  }

  @Override
  public String toString() {
    return "EdgeVLException[" + code.name().toLowerCase(java.util.Locale.ROOT) + "]: " + getMessage();
  }
}
