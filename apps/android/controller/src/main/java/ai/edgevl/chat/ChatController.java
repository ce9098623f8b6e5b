package ai.edgevl.chat;

import ai.edgevl.EdgeVLException;
import ai.edgevl.GenerationConfig;
import ai.edgevl.Model;
import ai.edgevl.Request;
import ai.edgevl.Result;
import ai.edgevl.Session;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The logic of the EdgeVL sample chat app, with no Android imports: one model, one conversation with follow-up
 * questions, answers streamed to a {@link ChatListener}, stop, errors as {@link ChatError}. The Android Activity
 * (apps/android/app) and the host console edgevl-chat are thin front ends over it.
 *
 * <p>Threads: every model operation runs on the controller's own worker thread, so the UI thread never blocks on
 * loading or generation; listener calls go through the {@code callbackExecutor} given to the constructor (on Android
 * {@code activity::runOnUiThread}). All public methods may be called from any thread. A question asked while the model
 * loads waits for it; a question asked while an answer is being generated is refused with an error (stop it first).
 */
public final class ChatController implements AutoCloseable {
  private final ChatListener listener;
  private final Executor callbacks;
  private final ExecutorService worker;
  private final AtomicBoolean answering = new AtomicBoolean(false);

  // Owned by the worker thread (volatile: read by stop() and the getters from other threads).
  private volatile Model model;
  private volatile Session session;
  private volatile GenerationConfig config = GenerationConfig.defaults();
  private int turn;  // questions answered in this conversation (worker thread)
  private int busyCount;  // model loads + answers queued or running (guarded by this)

  private final Object pendingLock = new Object();
  private List<Image> pendingImages = new ArrayList<>();  // for the next question

  private static final class Image {
    final String path;
    final byte[] rgb;
    final int width, height;

    Image(String path, byte[] rgb, int width, int height) {
      this.path = path;
      this.rgb = rgb;
      this.width = width;
      this.height = height;
    }
  }

  /**
   * @param listener receives the results (not null)
   * @param callbackExecutor runs each listener call, e.g. the UI thread's; {@code Runnable::run} calls the listener
   *     directly on the worker thread
   */
  public ChatController(ChatListener listener, Executor callbackExecutor) {
    if (listener == null || callbackExecutor == null) throw new NullPointerException("listener and executor are required");
    this.listener = listener;
    this.callbacks = callbackExecutor;
    this.worker = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "edgevl-chat-worker");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Opens the compiled bundle at {@code bundlePath} on the worker thread (replacing a model already loaded and
   * starting a new conversation). The future completes with true when the model is ready, false after an error
   * (reported to {@link ChatListener#onError}).
   */
  public Future<Boolean> loadModel(String bundlePath) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    busy(+1);
    post(() -> listener.onModelLoading(bundlePath));
    worker.execute(() -> {
      boolean ok = false;
      try {
        closeModel();
        Model m = Model.open(bundlePath);
        model = m;
        session = new Session(m);
        turn = 0;
        String name = new java.io.File(bundlePath).getName();
        String description = name + ": " + m.precision() + ", context " + m.contextLength() + " tokens";
        post(() -> listener.onModelLoaded(description));
        ok = true;
      } catch (EdgeVLException e) {
        post(() -> listener.onError(ChatError.of(e)));
      } catch (RuntimeException e) {
        post(() -> listener.onError(ChatError.unexpected(e)));
      } finally {
        busy(-1);
        done.complete(ok);
      }
    });
    return done;
  }

  /** Attaches an image file to the NEXT question (several may be attached). */
  public void attachImage(String path) {
    synchronized (pendingLock) {
      pendingImages.add(new Image(path, null, 0, 0));
    }
  }

  /** Attaches decoded RGB bytes ([height, width, 3]) to the NEXT question; the array is not copied. */
  public void attachImage(byte[] rgb, int width, int height) {
    synchronized (pendingLock) {
      pendingImages.add(new Image(null, rgb, width, height));
    }
  }

  /** Images attached for the next question. */
  public int pendingImageCount() {
    synchronized (pendingLock) {
      return pendingImages.size();
    }
  }

  /** Settings of the following answers (unset fields: the model's generation_config.json). */
  public void setGenerationConfig(GenerationConfig generationConfig) {
    this.config = generationConfig == null ? GenerationConfig.defaults() : generationConfig;
  }

  /**
   * Asks {@code prompt} (with the attached images, which are then cleared) as the next turn of the conversation. The
   * answer streams to {@link ChatListener#onToken} and ends with {@link ChatListener#onAnswerFinished}; the future
   * completes with the {@link Answer}, or null after an error (reported to {@link ChatListener#onError}; the
   * attached images are then kept for a retry only if the error was a refusal because another answer was running).
   */
  public Future<Answer> ask(String prompt) {
    CompletableFuture<Answer> done = new CompletableFuture<>();
    if (!answering.compareAndSet(false, true)) {
      post(() -> listener.onError(ChatError.usage("an answer is still being generated: stop it first")));
      done.complete(null);
      return done;
    }
    final List<Image> images;
    synchronized (pendingLock) {
      images = pendingImages;
      pendingImages = new ArrayList<>();
    }
    busy(+1);
    worker.execute(() -> {
      Answer answer = null;
      try {
        answer = answer(prompt, images);
      } finally {
        // Cleared BEFORE the future completes, so that a caller waiting on it may ask the next question at once.
        answering.set(false);
        busy(-1);
        done.complete(answer);
      }
    });
    return done;
  }

  // The body of ask() on the worker thread: the Answer, or null after an error (reported to the listener).
  private Answer answer(String prompt, List<Image> images) {
    try {
      Session s = session;
      if (s == null) {
        post(() -> listener.onError(ChatError.usage("no model is loaded")));
        return null;
      }
      Request request = Request.user(prompt);
      for (Image im : images) {
        if (im.path != null) request.addImage(im.path);
        else request.addImage(im.rgb, im.width, im.height);
      }
      post(() -> listener.onAnswerStarted(prompt, images.size()));
      Result r = s.generate(request, config, piece -> {
        post(() -> listener.onToken(piece));
        return true;
      });
      Answer a = new Answer(prompt, ++turn, r);
      post(() -> listener.onAnswerFinished(a));
      return a;
    } catch (EdgeVLException e) {
      post(() -> listener.onError(ChatError.of(e)));
    } catch (RuntimeException e) {
      post(() -> listener.onError(ChatError.unexpected(e)));
    }
    return null;
  }

  /** Stops the answer being generated (it finishes with what it has); no effect when none runs. Any thread. */
  public void stop() {
    Session s = session;
    if (s != null && answering.get()) s.cancel();
  }

  /** Forgets the conversation (and the attached images): the next question starts a new chat. */
  public Future<?> newConversation() {
    synchronized (pendingLock) {
      pendingImages = new ArrayList<>();
    }
    stop();
    return worker.submit(() -> {
      Session s = session;
      try {
        if (s != null) s.reset();
        turn = 0;
        post(listener::onConversationReset);
      } catch (EdgeVLException e) {
        post(() -> listener.onError(ChatError.of(e)));
      }
    });
  }

  public boolean isModelLoaded() {
    return session != null;
  }

  /** True while an answer is being generated. */
  public boolean isAnswering() {
    return answering.get();
  }

  /** Tokens of the conversation in the KV cache (0 without a model). Waits for queued work. */
  public long cachedTokens() {
    try {
      return worker.submit(() -> session == null ? 0L : session.cachedTokens()).get();
    } catch (Exception e) {
      return 0;
    }
  }

  /** Stops a running answer, releases the session and the model, and ends the worker thread. */
  @Override
  public void close() {
    stop();
    try {
      worker.submit(this::closeModel).get();
    } catch (Exception e) {
      // the worker was already shut down
    }
    worker.shutdown();
  }

  private void closeModel() {
    Session s = session;
    session = null;
    if (s != null) s.close();
    Model m = model;
    model = null;
    if (m != null) m.close();
  }

  private void busy(int delta) {
    final boolean changed;
    final boolean now;
    synchronized (this) {
      boolean before = busyCount > 0;
      busyCount += delta;
      now = busyCount > 0;
      changed = before != now;
    }
    if (changed) post(() -> listener.onBusyChanged(now));
  }

  private void post(Runnable r) {
    callbacks.execute(r);
  }
}
