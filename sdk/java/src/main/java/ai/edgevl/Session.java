package ai.edgevl;

/**
 * One conversation with a {@link Model}: owns its KV cache. A later {@link #generate} continues the conversation and
 * prefills only the new turn's tokens (see {@link Stats#prefillTokens}).
 *
 * <p>Threads: {@link #generate}, {@link #reset} and {@link #close} are serialized (one at a time; a second caller
 * waits); {@link #cancel} may be called from any thread at any time, including from the {@link TokenListener}.
 * {@link #close} from another thread cancels a running generate and waits for it to return.
 */
public final class Session implements AutoCloseable {
  static {
    NativeLibrary.load();
  }

  private final Object cancelLock = new Object();  // guards handle against close() while cancel() uses it
  private volatile long handle;
  private final Model model;
  private volatile Thread generatingThread;  // the thread inside nativeGenerate (written under this)

  /** Creates an empty conversation on {@code model} (which may be closed afterwards). */
  public Session(Model model) throws EdgeVLException {
    this.model = model;
    this.handle = nativeCreate(model.handleForSession());
  }

  public Model model() {
    return model;
  }

  /**
   * Runs one turn: images through the vision tower, the new tokens through the prefill, then token-by-token decoding,
   * each new piece of text passed to {@code listener} (may be null) on THIS thread. Blocks until generation stops (end
   * of sequence, {@code maxNewTokens}, full context, stop string, the listener returning false, {@link #cancel}). Call
   * it off the UI thread.
   *
   * @throws EdgeVLException {@link ErrorCode#INVALID_ARGUMENT} (empty request, bad RGB buffer, system prompt on a
   *     later turn, config value out of range), {@link ErrorCode#NOT_FOUND} (image file missing),
   *     {@link ErrorCode#CORRUPT_FILE} / {@link ErrorCode#UNSUPPORTED} (image undecodable),
   *     {@link ErrorCode#CONTEXT_OVERFLOW} (conversation + prompt do not fit the context; nothing was run). After an
   *     exception the conversation is as before the call.
   * @throws IllegalStateException when the session is closed
   */
  public synchronized Result generate(Request request, GenerationConfig config, TokenListener listener)
      throws EdgeVLException {
    long h = liveHandle();
    notFromListener("generate");
    if (request == null) throw new EdgeVLException(ErrorCode.INVALID_ARGUMENT, "generate: request is null");
    GenerationConfig c = config == null ? GenerationConfig.defaults() : config;
    generatingThread = Thread.currentThread();
    try {
      return nativeGenerate(h, request.text(), request.systemPrompt(), request.parsesSpecialTokens(), request.paths(),
          request.rgbs(), request.widths(), request.heights(), c.nativeMaxNewTokens(), c.nativeTemperature(),
          c.nativeTopK(), c.nativeTopP(), c.nativeRepetitionPenalty(), c.nativeSeed(), c.nativeStop(), listener);
    } finally {
      generatingThread = null;
    }
  }

  /** {@link #generate} with the model's default config and no streaming. */
  public Result generate(Request request) throws EdgeVLException {
    return generate(request, null, null);
  }

  /**
   * Asks a running {@link #generate} (on another thread, or from its listener) to stop before its next decode step;
   * it then returns normally with {@link StopReason#CANCELLED}, keeping the text so far in the conversation. No effect
   * when nothing runs (it does not carry over to the next generate) or after close. Any thread; never blocks on a
   * running generate.
   */
  public void cancel() {
    synchronized (cancelLock) {
      if (handle != 0) nativeCancel(handle);
    }
  }

  /** Forgets the conversation: the next generate starts a new chat. */
  public synchronized void reset() throws EdgeVLException {
    notFromListener("reset");
    nativeReset(liveHandle());
  }

  /** Tokens of the conversation held in the KV cache (0 for a new or reset conversation). */
  public synchronized long cachedTokens() {
    return nativeCachedTokens(liveHandle());
  }

  public boolean isClosed() {
    return handle == 0;
  }

  /** Cancels a running generate, waits for it to return, then frees the conversation (idempotent). */
  @Override
  public void close() {
    notFromListener("close");
    cancel();
    synchronized (this) {
      synchronized (cancelLock) {
        if (handle != 0) {
          nativeFree(handle);
          handle = 0;
        }
      }
    }
  }

  // generate/reset/close from inside this session's own TokenListener would free or reuse the conversation under the
  // running generate (the monitor is re-entrant, so only this check stops it).
  private void notFromListener(String what) {
    if (generatingThread == Thread.currentThread())
      throw new IllegalStateException(what + "() called from inside this session's TokenListener; use cancel()");
  }

  private long liveHandle() {
    long h = handle;
    if (h == 0) throw new IllegalStateException("session is closed");
    return h;
  }

  private static native long nativeCreate(long model) throws EdgeVLException;

  private static native void nativeFree(long session);

  private static native void nativeReset(long session) throws EdgeVLException;

  private static native void nativeCancel(long session);

  private static native long nativeCachedTokens(long session);

  private static native Result nativeGenerate(long session, String text, String system, boolean parseSpecialTokens,
      String[] imagePaths, byte[][] imageRgb, int[] widths, int[] heights, int maxNewTokens, float temperature, int topK, float topP,
      float repetitionPenalty, long seed, String[] stop, TokenListener listener) throws EdgeVLException;
}
