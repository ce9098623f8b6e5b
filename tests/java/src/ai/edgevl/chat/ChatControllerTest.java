package ai.edgevl.chat;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import ai.edgevl.ErrorCode;
import ai.edgevl.Fixture;
import ai.edgevl.GenerationConfig;
import ai.edgevl.StopReason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** The sample app's controller (the Android Activity's logic) on the host JVM with the demo model. */
public class ChatControllerTest {
  /** Records every listener call, with the thread it came on. */
  static class Recorder implements ChatListener {
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final List<String> pieces = Collections.synchronizedList(new ArrayList<>());
    final List<ChatError> errors = Collections.synchronizedList(new ArrayList<>());
    final List<Boolean> busy = Collections.synchronizedList(new ArrayList<>());
    volatile Thread loadedOn;
    volatile Runnable onFirstToken;

    @Override
    public void onModelLoading(String bundlePath) {
      events.add("loading");
    }

    @Override
    public void onModelLoaded(String description) {
      loadedOn = Thread.currentThread();
      events.add("loaded " + description);
    }

    @Override
    public void onAnswerStarted(String prompt, int images) {
      events.add("started " + prompt + " " + images);
    }

    @Override
    public void onToken(String piece) {
      pieces.add(piece);
      Runnable r = onFirstToken;
      if (r != null) {
        onFirstToken = null;
        r.run();
      }
    }

    @Override
    public void onAnswerFinished(Answer answer) {
      events.add("finished " + answer.turn());
    }

    @Override
    public void onError(ChatError error) {
      errors.add(error);
      events.add("error");
    }

    @Override
    public void onBusyChanged(boolean b) {
      busy.add(b);
    }

    String joined() {
      synchronized (pieces) {
        return String.join("", pieces);
      }
    }
  }

  private Recorder rec;
  private ChatController chat;

  @Before
  public void setUp() {
    rec = new Recorder();
    chat = new ChatController(rec, Runnable::run);
    chat.setGenerationConfig(GenerationConfig.builder().maxNewTokens(24).build());
  }

  @After
  public void tearDown() {
    chat.close();
  }

  @Test
  public void loadsTheModelOffTheCallingThread() throws Exception {
    assertTrue(chat.loadModel(Fixture.bundle()).get(60, TimeUnit.SECONDS));
    assertTrue(chat.isModelLoaded());
    assertNotNull(rec.loadedOn);
    assertNotSame(Thread.currentThread(), rec.loadedOn);
    assertEquals("loading", rec.events.get(0));
    assertTrue(rec.events.get(1), rec.events.get(1).startsWith("loaded shapes.evl: fp32, context "));
    assertEquals(List.of(true, false), rec.busy);
  }

  @Test
  public void conversationWithFollowUpStreamsAndReusesTheCache() throws Exception {
    chat.loadModel(Fixture.bundle()).get();
    chat.attachImage(Fixture.get("scene0.path"));
    assertEquals(1, chat.pendingImageCount());
    Answer first = chat.ask("Describe the image.").get(60, TimeUnit.SECONDS);
    assertNotNull(first);
    assertEquals(0, chat.pendingImageCount());  // images go with one question only
    assertEquals(Fixture.get("scene0.describe"), first.text());
    assertEquals(first.text(), rec.joined());
    assertEquals(1, first.turn());
    assertEquals(0, first.stats().promptTokens - first.stats().prefillTokens);

    rec.pieces.clear();
    Answer second = chat.ask("How many shapes are there?").get(60, TimeUnit.SECONDS);
    assertEquals(Fixture.get("scene0.followup"), second.text());
    assertEquals(second.text(), rec.joined());
    assertEquals(2, second.turn());
    assertEquals(Long.parseLong(Fixture.get("scene0.followup.prefill")), second.stats().prefillTokens);
    assertTrue(second.statsLine(), second.statsLine().contains("cached"));
    assertTrue(rec.events.contains("started Describe the image. 1"));
    assertTrue(rec.events.contains("started How many shapes are there? 0"));
    assertTrue(rec.errors.isEmpty());

    chat.newConversation().get();
    assertEquals(0, chat.cachedTokens());
    Answer again = chat.ask("How many shapes are there?").get();
    assertEquals(again.stats().promptTokens, again.stats().prefillTokens);  // nothing cached after the reset
    assertEquals(1, again.turn());
  }

  @Test
  public void stopEndsTheAnswerEarly() throws Exception {
    chat.loadModel(Fixture.bundle()).get();
    chat.attachImage(Fixture.get("scene0.path"));
    rec.onFirstToken = chat::stop;  // as a stop button pressed while the first word streams
    Answer a = chat.ask("Describe the image.").get(60, TimeUnit.SECONDS);
    assertEquals(StopReason.CANCELLED, a.stopReason());
    assertTrue(a.text().length() < Fixture.get("scene0.describe").length());
    assertTrue(a.statsLine().startsWith("stopped, "));
    assertFalse(chat.isAnswering());
  }

  @Test
  public void askingWhileAnsweringIsRefused() throws Exception {
    chat.loadModel(Fixture.bundle()).get();
    chat.attachImage(Fixture.get("scene0.path"));
    CountDownLatch streaming = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    rec.onFirstToken = () -> {
      streaming.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    java.util.concurrent.Future<Answer> first = chat.ask("Describe the image.");
    assertTrue(streaming.await(60, TimeUnit.SECONDS));
    assertTrue(chat.isAnswering());
    assertNull(chat.ask("How many shapes are there?").get());
    assertEquals(1, rec.errors.size());
    assertNull(rec.errors.get(0).code());
    release.countDown();
    assertEquals(Fixture.get("scene0.describe"), first.get(60, TimeUnit.SECONDS).text());
  }

  @Test
  public void errorsAreReportedForDisplayAndTheConversationGoesOn() throws Exception {
    assertFalse(chat.loadModel(Fixture.dir() + "/no-such-model.evl").get());
    assertEquals(ErrorCode.NOT_FOUND, rec.errors.get(0).code());
    assertTrue(rec.errors.get(0).display(), rec.errors.get(0).display().contains("no-such-model.evl"));
    assertNull(chat.ask("Describe the image.").get());  // no model
    assertEquals("no model is loaded", rec.errors.get(1).message());

    chat.loadModel(Fixture.bundle()).get();
    chat.attachImage(Fixture.dir() + "/missing.png");
    assertNull(chat.ask("Describe the image.").get());
    ChatError e = rec.errors.get(2);
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertEquals("File not found", e.title());
    assertTrue(e.display(), e.display().contains("missing.png"));

    StringBuilder longText = new StringBuilder();
    for (int i = 0; i < 200; i++) longText.append("shape ");
    assertNull(chat.ask(longText.toString()).get());
    assertEquals(ErrorCode.CONTEXT_OVERFLOW, rec.errors.get(3).code());

    chat.attachImage(Fixture.get("scene0.path"));
    assertEquals(Fixture.get("scene0.describe"), chat.ask("Describe the image.").get().text());
  }

  @Test
  public void rgbImagesFromTheCamera() throws Exception {
    chat.loadModel(Fixture.bundle()).get();
    byte[] rgb = Fixture.readFile(Fixture.dir() + "/scene4.rgb");
    chat.attachImage(rgb, Integer.parseInt(Fixture.get("scene4.width")), Integer.parseInt(Fixture.get("scene4.height")));
    assertEquals(Fixture.get("scene4.describe.rgb"), chat.ask("Describe the image.").get().text());
  }
}
