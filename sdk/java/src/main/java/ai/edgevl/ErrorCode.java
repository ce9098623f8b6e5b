package ai.edgevl;

/**
 * What went wrong, as {@code edgevl::ErrorCode} in C++ and {@code edgevl_status} in C. {@link #status()} is the C
 * status value (the C++ code + 1).
 */
public enum ErrorCode {
  /** A parameter or request is malformed (empty request, bad generation value, bad RGB buffer). */
  INVALID_ARGUMENT(1),
  /** A file that must exist does not (model bundle, image file, a file inside a bundle). */
  NOT_FOUND(2),
  /** A file exists but is malformed, truncated, fails a checksum or cannot be decoded. */
  CORRUPT_FILE(3),
  /** Well-formed input EdgeVL does not handle (bundle format version, image format). */
  UNSUPPORTED(4),
  /** A tensor or input has the wrong shape or dtype. */
  SHAPE_MISMATCH(5),
  /** The prompt does not fit the model's context length (checked before any work). */
  CONTEXT_OVERFLOW(6),
  /** The operation was cancelled. */
  CANCELLED(7),
  /** The operating system failed a read, write or mmap. */
  IO(8),
  /** A bug in EdgeVL or out of memory. */
  INTERNAL(9);

  private final int status;

  ErrorCode(int status) {
    this.status = status;
  }

  /** The C API's {@code edgevl_status} value of this code. */
  public int status() {
    return status;
  }

  /** The code of a C status value; {@link #INTERNAL} for a value that is not one (0 = OK is not an error). */
  public static ErrorCode fromStatus(int status) {
    for (ErrorCode c : values()) {
      if (c.status == status) return c;
    }
    return INTERNAL;
  }
}
