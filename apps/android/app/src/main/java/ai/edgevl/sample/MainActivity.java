package ai.edgevl.sample;

import ai.edgevl.chat.Answer;
import ai.edgevl.chat.ChatController;
import ai.edgevl.chat.ChatError;
import ai.edgevl.chat.ChatListener;
import android.app.Activity;
import android.content.ActivityNotFoundException;
import android.content.Intent;
import android.net.Uri;
import android.os.Bundle;
import android.view.View;
import android.widget.Button;
import android.widget.EditText;
import android.widget.ImageView;
import android.widget.ScrollView;
import android.widget.TextView;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The sample app's one screen: pick an image, ask about it, watch the answer stream in, stop it, ask follow-ups.
 *
 * <p>A thin front end: every chat operation (loading the model, asking, stopping, a new conversation) is delegated to
 * {@link ChatController}, which runs them on its own worker thread; this class only wires the views to it and shows
 * what it reports as its {@link ChatListener}. The controller's callback executor is {@link #runOnUiThread}, so every
 * listener method below runs on the UI thread. The one other piece of work here, copying a picked image out of its
 * {@code content://} URI into a file of the cache dir (the binding takes a file path or RGB bytes), runs on a small
 * executor of its own.
 *
 * <p>The model is the compiled bundle directory {@value #BUNDLE_NAME} in the app's files dir (apps/android/README.md:
 * {@code adb push}, then {@code adb shell run-as ... cp -r}).
 */
public final class MainActivity extends Activity implements ChatListener {
  /** The bundle directory, in {@link #getFilesDir()}. */
  static final String BUNDLE_NAME = "shapes.evl";

  private static final int PICK_IMAGE = 1;
  private static final String PICKED_PREFIX = "picked-";

  private ChatController controller;
  private final ExecutorService io = Executors.newSingleThreadExecutor();
  private int picks;
  private boolean modelReady;
  private boolean busy;

  private TextView status;
  private TextView error;
  private ImageView preview;
  private Button pick;
  private Button newChat;
  private ScrollView scroll;
  private TextView transcript;
  private TextView stats;
  private EditText prompt;
  private Button send;
  private Button stop;

  @Override
  protected void onCreate(Bundle savedInstanceState) {
    super.onCreate(savedInstanceState);
    setContentView(R.layout.activity_main);
    status = findViewById(R.id.status);
    error = findViewById(R.id.error);
    preview = findViewById(R.id.preview);
    pick = findViewById(R.id.pick);
    newChat = findViewById(R.id.new_chat);
    scroll = findViewById(R.id.scroll);
    transcript = findViewById(R.id.transcript);
    stats = findViewById(R.id.stats);
    prompt = findViewById(R.id.prompt);
    send = findViewById(R.id.send);
    stop = findViewById(R.id.stop);

    pick.setOnClickListener(v -> pickImage());
    newChat.setOnClickListener(v -> controller.newConversation());
    send.setOnClickListener(v -> send());
    stop.setOnClickListener(v -> controller.stop());

    deletePickedImages();
    controller = new ChatController(this, this::runOnUiThread);
    updateButtons();
    controller.loadModel(new File(getFilesDir(), BUNDLE_NAME).getPath());
  }

  @Override
  protected void onDestroy() {
    // close() waits for the worker's current task (a running answer stops at its next decode step): not on the UI
    // thread. The io executor runs it after any image copy still in progress.
    ChatController c = controller;
    c.stop();
    io.execute(c::close);
    io.shutdown();
    super.onDestroy();
  }

  private void send() {
    String text = prompt.getText().toString().trim();
    if (text.isEmpty() && controller.pendingImageCount() == 0) {
      showError(getString(R.string.error_empty_prompt));
      return;
    }
    prompt.setText("");
    controller.ask(text);
  }

  private void pickImage() {
    Intent intent = new Intent(Intent.ACTION_GET_CONTENT);
    intent.setType("image/*");
    intent.addCategory(Intent.CATEGORY_OPENABLE);
    try {
      startActivityForResult(intent, PICK_IMAGE);
    } catch (ActivityNotFoundException e) {
      showError(getString(R.string.error_no_picker));
    }
  }

  @Override
  protected void onActivityResult(int requestCode, int resultCode, Intent data) {
    super.onActivityResult(requestCode, resultCode, data);
    if (requestCode != PICK_IMAGE || resultCode != RESULT_OK || data == null || data.getData() == null) return;
    Uri uri = data.getData();
    File file = new File(getCacheDir(), PICKED_PREFIX + (++picks));
    io.execute(() -> {
      try (InputStream in = getContentResolver().openInputStream(uri)) {
        if (in == null) throw new IOException("the picker returned no data for " + uri);
        Files.copy(in, file.toPath(), StandardCopyOption.REPLACE_EXISTING);
        runOnUiThread(() -> imagePicked(uri, file));
      } catch (IOException | RuntimeException e) {  // RuntimeException: e.g. SecurityException of the provider
        runOnUiThread(() -> showError(getString(R.string.error_image_copy, e.getMessage())));
      }
    });
  }

  /** UI thread: the copy of the picked image goes with the next question (the native side decodes it then). */
  private void imagePicked(Uri uri, File file) {
    controller.attachImage(file.getPath());
    preview.setImageURI(uri);
    hideError();
  }

  /** Copies of picked images left in the cache dir by an earlier run. */
  private void deletePickedImages() {
    File[] files = getCacheDir().listFiles((dir, name) -> name.startsWith(PICKED_PREFIX));
    if (files == null) return;
    for (File f : files) {
      if (!f.delete()) f.deleteOnExit();
    }
  }

  // ChatListener: called on the UI thread (the controller's callback executor is runOnUiThread).

  @Override
  public void onModelLoading(String bundlePath) {
    modelReady = false;
    status.setText(getString(R.string.loading_model, bundlePath));
  }

  @Override
  public void onModelLoaded(String description) {
    modelReady = true;
    status.setText(description);
    hideError();
    updateButtons();
  }

  @Override
  public void onAnswerStarted(String question, int images) {
    hideError();
    String attached = images > 0 ? getString(R.string.question_images, images) : "";
    transcript.append(getString(R.string.question_line, attached + question));
    transcript.append(getString(R.string.answer_prefix));
    preview.setImageURI(null);  // the attached images went with this question
    scrollToEnd();
  }

  @Override
  public void onToken(String piece) {
    transcript.append(piece);
    scrollToEnd();
  }

  @Override
  public void onAnswerFinished(Answer answer) {
    transcript.append("\n");
    stats.setText(getString(R.string.stats_line, answer.turn(), answer.statsLine()));
  }

  @Override
  public void onError(ChatError chatError) {
    if (!modelReady) status.setText(getString(R.string.model_not_loaded));
    if (controller.pendingImageCount() == 0) preview.setImageURI(null);  // a failed question dropped its images
    showError(chatError.display());
  }

  @Override
  public void onBusyChanged(boolean nowBusy) {
    busy = nowBusy;
    updateButtons();
  }

  @Override
  public void onConversationReset() {
    transcript.setText(getString(R.string.conversation_reset));
    stats.setText("");
    preview.setImageURI(null);
    hideError();
  }

  private void updateButtons() {
    send.setEnabled(!busy);
    stop.setEnabled(busy && modelReady);
    newChat.setEnabled(modelReady);
  }

  private void showError(String message) {
    error.setText(message);
    error.setVisibility(View.VISIBLE);
  }

  private void hideError() {
    error.setVisibility(View.GONE);
  }

  private void scrollToEnd() {
    scroll.post(() -> scroll.fullScroll(View.FOCUS_DOWN));
  }
}
