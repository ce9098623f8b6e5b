package ai.edgevl;

/**
 * An opened compiled bundle (a {@code NAME.evl/} directory written by {@code qwen2vl-compile}): weights memory-mapped,
 * immutable. Thread-safe: any number of {@link Session}s on any threads may share one model. Close it when done;
 * sessions created from it keep the bundle open until they are closed themselves.
 *
 * <pre>{@code
 * try (Model model = Model.open("/data/local/tmp/qwen2vl-shapes.evl");
 *      Session session = new Session(model)) {
 *   Result r = session.generate(Request.user("Describe the image.").addImage(path), GenerationConfig.defaults(),
 *                               piece -> { System.out.print(piece); return true; });
 * }
 * }</pre>
 */
public final class Model implements AutoCloseable {
  static {
    NativeLibrary.load();
  }

  private long handle;
  private final String path;
  private final long contextLength;
  private final long prefillChunk;
  private final long vocabSize;
  private final long maxPatches;
  private final String precision;

  private Model(long handle, String path) {
    this.handle = handle;
    this.path = path;
    long[] n = nativeInfo(handle);
    contextLength = n[0];
    prefillChunk = n[1];
    vocabSize = n[2];
    maxPatches = n[3];
    precision = nativePrecision(handle);
  }

  /**
   * Opens the bundle directory {@code bundlePath}. Blocking (maps the weights and prepares the graphs: call it off the
   * UI thread). Throws {@link EdgeVLException}: {@link ErrorCode#NOT_FOUND} (no such directory or a file missing from
   * it), {@link ErrorCode#CORRUPT_FILE} (malformed bundle), {@link ErrorCode#UNSUPPORTED} (format version),
   * {@link ErrorCode#INVALID_ARGUMENT} (null path).
   */
  public static Model open(String bundlePath) throws EdgeVLException {
    return new Model(nativeOpen(bundlePath), bundlePath);
  }

  /** The path given to {@link #open}. */
  public String path() {
    return path;
  }

  /** Tokens one conversation can hold (prompt + generated), fixed at compile time. */
  public long contextLength() {
    return contextLength;
  }

  /** Tokens per prefill graph run. */
  public long prefillChunk() {
    return prefillChunk;
  }

  public long vocabSize() {
    return vocabSize;
  }

  /** Patches of the largest compiled vision-tower bucket (the most one image can have). */
  public long maxPatches() {
    return maxPatches;
  }

  /** "fp32" or "fp16". */
  public String precision() {
    return precision;
  }

  /** The native handle for a new session; IllegalStateException when closed. */
  synchronized long handleForSession() {
    if (handle == 0) throw new IllegalStateException("model " + path + " is closed");
    return handle;
  }

  /** Releases this handle (idempotent). Open sessions stay usable. */
  @Override
  public synchronized void close() {
    if (handle != 0) {
      nativeFree(handle);
      handle = 0;
    }
  }

  private static native long nativeOpen(String bundlePath) throws EdgeVLException;

  private static native void nativeFree(long handle);

  /** {contextLength, prefillChunk, vocabSize, maxPatches}. */
  private static native long[] nativeInfo(long handle);

  private static native String nativePrecision(long handle);
}
