package ai.edgevl;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.awt.image.BufferedImage;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;

/** The Java binding through JNI with the bundled demo model, against the C++ API's answers (Fixture). */
public class BindingTest {
  private static Model model;

  @BeforeClass
  public static void open() throws EdgeVLException {
    model = Model.open(Fixture.bundle());
  }

  @AfterClass
  public static void close() {
    model.close();
  }

  private static GenerationConfig greedy() {
    return GenerationConfig.builder().maxNewTokens(24).build();
  }

  private static Request describe(String path) {
    return Request.user("Describe the image.").addImage(path);
  }

  /** Collects pieces and the threads they arrive on. */
  private static final class Pieces implements TokenListener {
    final List<String> pieces = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();
    int stopAfter;  // 0 = never

    @Override
    public boolean onToken(String piece) {
      pieces.add(piece);
      threads.add(Thread.currentThread());
      return stopAfter == 0 || pieces.size() < stopAfter;
    }

    String joined() {
      return String.join("", pieces);
    }
  }

  @Test
  public void modelInfo() {
    assertEquals(Long.parseLong(Fixture.get("context_length")), model.contextLength());
    assertEquals("fp32", model.precision());
    assertTrue(model.prefillChunk() > 0 && model.vocabSize() > 0 && model.maxPatches() > 0);
  }

  @Test
  public void answerAboutSceneEqualsCppAnswer() throws Exception {
    try (Session s = new Session(model)) {
      Pieces p = new Pieces();
      Result r = s.generate(describe(Fixture.get("scene0.path")), greedy(), p);
      assertEquals(Fixture.get("scene0.describe"), r.text());
      assertEquals("a blue star", r.text());  // models/demo/samples/samples.json
      assertEquals(StopReason.EOS, r.stopReason());
      assertEquals(r.tokenIds().length, r.stats().decodeTokens);
      assertEquals(1, r.stats().images);
      assertTrue(r.stats().vitMs > 0 && r.stats().ttftMs > 0);
      assertEquals(r.stats().promptTokens, r.stats().prefillTokens);
    }
  }

  @Test
  public void tokensStreamInOrderOnTheCallingThreadAndConcatenateToTheText() throws Exception {
    // Sampling at a high temperature makes long answers (many decode steps through the JNI token loop, where a leaked
    // local reference per piece would exceed -Xcheck:jni's capacity); the seed decides the length, so try a few.
    int longest = 0;
    for (int seed = 0; seed < 30 && longest < 40; seed++) {
      GenerationConfig c = GenerationConfig.builder().maxNewTokens(60).temperature(5.0f).seed(seed).build();
      try (Session s = new Session(model)) {
        Pieces p = new Pieces();
        Result r = s.generate(describe(Fixture.get("scene0.path")), c, p);
        assertEquals("seed " + seed, r.text(), p.joined());
        for (String piece : p.pieces) assertFalse(piece.isEmpty());
        for (Thread t : p.threads) assertSame(Thread.currentThread(), t);
        longest = Math.max(longest, p.pieces.size());
        // Same seed and settings: the same text again.
        try (Session s2 = new Session(model)) {
          assertEquals(r.text(), s2.generate(describe(Fixture.get("scene0.path")), c, null).text());
        }
      }
    }
    assertTrue("no seed streamed 40 pieces (longest " + longest + ")", longest >= 40);
  }

  @Test
  public void followUpQuestionReusesTheCacheAndEqualsCpp() throws Exception {
    try (Session s = new Session(model)) {
      assertEquals(0, s.cachedTokens());
      s.generate(describe(Fixture.get("scene0.path")), greedy(), null);
      long cached = s.cachedTokens();
      assertTrue(cached > 0);
      Result r = s.generate(Request.user("How many shapes are there?"), greedy(), null);
      assertEquals(Fixture.get("scene0.followup"), r.text());
      assertEquals(Long.parseLong(Fixture.get("scene0.followup.prefill")), r.stats().prefillTokens);
      assertTrue(r.stats().promptTokens - r.stats().prefillTokens >= cached);
      s.reset();
      assertEquals(0, s.cachedTokens());
    }
  }

  @Test
  public void rgbBytesDecodedInJavaGiveTheCppAnswer() throws Exception {
    BufferedImage img = ImageIO.read(new File(Fixture.get("scene4.path")));
    int w = img.getWidth(), h = img.getHeight();
    byte[] rgb = new byte[w * h * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = img.getRGB(x, y);
        int i = (y * w + x) * 3;
        rgb[i] = (byte) (argb >> 16);
        rgb[i + 1] = (byte) (argb >> 8);
        rgb[i + 2] = (byte) argb;
      }
    }
    // The JVM's PNG decoder gives exactly the bytes EdgeVL decodes.
    assertArrayEquals(Fixture.readFile(Fixture.dir() + "/scene4.rgb"), rgb);
    try (Session s = new Session(model)) {
      Result r = s.generate(Request.user("Describe the image.").addImage(rgb, w, h), greedy(), null);
      assertEquals(Fixture.get("scene4.describe.rgb"), r.text());
      assertEquals(Fixture.get("scene4.describe"), r.text());
    }
  }

  @Test
  public void listenerReturningFalseStops() throws Exception {
    try (Session s = new Session(model)) {
      Pieces p = new Pieces();
      p.stopAfter = 1;
      Result r = s.generate(describe(Fixture.get("scene0.path")), greedy(), p);
      assertEquals(StopReason.CALLBACK, r.stopReason());
      assertEquals(1, p.pieces.size());
      assertEquals(p.joined(), r.text());
      assertTrue(r.text().length() < Fixture.get("scene0.describe").length());
    }
  }

  @Test
  public void cancelFromAnotherThreadStopsWithinOneDecodeStep() throws Exception {
    try (Session s = new Session(model)) {
      AtomicInteger afterCancel = new AtomicInteger();
      CountDownLatch cancelled = new CountDownLatch(1);
      TokenListener l = piece -> {
        if (cancelled.getCount() == 0) {
          afterCancel.incrementAndGet();
          return true;
        }
        Thread t = new Thread(() -> {
          s.cancel();
          cancelled.countDown();
        });
        t.start();
        try {
          cancelled.await();
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
        return true;
      };
      Result r = s.generate(describe(Fixture.get("scene0.path")), greedy(), l);
      assertEquals(StopReason.CANCELLED, r.stopReason());
      assertEquals("pieces after cancel() returned", 0, afterCancel.get());
      assertTrue(r.tokenIds().length + " tokens", r.tokenIds().length <= 2);
      // The cancel does not carry over: the next question is answered in full.
      s.reset();
      assertEquals(StopReason.EOS, s.generate(describe(Fixture.get("scene0.path")), greedy(), null).stopReason());
    }
  }

  @Test
  public void cancelWhileWaitingOnAnotherThread() throws Exception {
    // The cancelling thread does not synchronize with the listener: cancel() must not block on the running generate.
    try (Session s = new Session(model)) {
      CountDownLatch first = new CountDownLatch(1);
      CountDownLatch done = new CountDownLatch(1);
      Thread canceller = new Thread(() -> {
        try {
          first.await();
          s.cancel();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        done.countDown();
      });
      canceller.start();
      GenerationConfig longer = GenerationConfig.builder().maxNewTokens(100).temperature(3.0f).seed(11).build();
      Result r = s.generate(describe(Fixture.get("scene0.path")), longer, piece -> {
        first.countDown();
        try {
          done.await();  // generation waits here until cancel() has returned on the other thread
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
        return true;
      });
      canceller.join();
      assertEquals(StopReason.CANCELLED, r.stopReason());
      assertTrue(r.tokenIds().length <= 2);
    }
  }

  @Test
  public void missingModelRaisesNotFound() {
    String path = Fixture.dir() + "/no-such-model.evl";
    try {
      Model.open(path);
      fail("opened a missing model");
    } catch (EdgeVLException e) {
      assertEquals(ErrorCode.NOT_FOUND, e.code());
      assertTrue(e.getMessage(), e.getMessage().contains("no-such-model.evl"));
    }
    try {
      Model.open(null);
      fail("opened null");
    } catch (EdgeVLException e) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage(), e.getMessage().contains("bundle_path"));
    }
  }

  @Test
  public void missingImageRaisesNotFoundAndTheSessionGoesOn() throws Exception {
    try (Session s = new Session(model)) {
      try {
        s.generate(describe(Fixture.dir() + "/no-such-image.png"), greedy(), null);
        fail("answered about a missing image");
      } catch (EdgeVLException e) {
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("no-such-image.png"));
      }
      assertEquals(0, s.cachedTokens());
      assertEquals(Fixture.get("scene0.describe"), s.generate(describe(Fixture.get("scene0.path")), greedy(), null).text());
    }
  }

  @Test
  public void overLongPromptRaisesContextOverflowBeforeAnyWork() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 200; i++) text.append("shape ");
    try (Session s = new Session(model)) {
      List<String> pieces = new ArrayList<>();
      try {
        s.generate(Request.user(text.toString()), greedy(), pieces::add);
        fail("an over-long prompt was accepted");
      } catch (EdgeVLException e) {
        assertEquals(ErrorCode.CONTEXT_OVERFLOW, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains(Fixture.get("context_length")));
      }
      assertTrue(pieces.isEmpty());
      assertEquals(0, s.cachedTokens());
    }
  }

  @Test
  public void badRgbBufferAndBadRequestsRaiseInvalidArgument() throws Exception {
    try (Session s = new Session(model)) {
      try {
        s.generate(Request.user("Describe the image.").addImage(new byte[10], 4, 4), greedy(), null);
        fail("accepted 10 bytes for 4x4");
      } catch (EdgeVLException e) {
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage(), e.getMessage().contains("48"));
      }
      try {
        s.generate(Request.user(""), greedy(), null);
        fail("accepted an empty request");
      } catch (EdgeVLException e) {
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      }
      s.generate(describe(Fixture.get("scene0.path")), greedy(), null);
      try {
        s.generate(Request.user("Again?").system("You are terse."), greedy(), null);
        fail("accepted a system prompt on a later turn");
      } catch (EdgeVLException e) {
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
      }
    }
    try {
      GenerationConfig.builder().topP(1.5f);
      fail("topP 1.5 accepted");
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().contains("topP"));
    }
  }

  @Test
  public void listenerExceptionPropagatesAndStopsGeneration() throws Exception {
    try (Session s = new Session(model)) {
      AtomicInteger calls = new AtomicInteger();
      try {
        s.generate(describe(Fixture.get("scene0.path")), greedy(), piece -> {
          calls.incrementAndGet();
          throw new IllegalStateException("listener failed");
        });
        fail("the listener's exception was swallowed");
      } catch (IllegalStateException e) {
        assertEquals("listener failed", e.getMessage());
      }
      assertEquals(1, calls.get());
      s.reset();
      assertEquals(Fixture.get("scene0.describe"), s.generate(describe(Fixture.get("scene0.path")), greedy(), null).text());
    }
  }

  @Test
  public void closeFromTheListenerIsRefusedAndClosedSessionsThrow() throws Exception {
    Session s = new Session(model);
    try {
      s.generate(describe(Fixture.get("scene0.path")), greedy(), piece -> {
        s.close();
        return true;
      });
      fail("close() inside the listener was allowed");
    } catch (IllegalStateException e) {
      assertTrue(e.getMessage().contains("TokenListener"));
    }
    s.close();
    s.close();  // idempotent
    assertTrue(s.isClosed());
    s.cancel();  // no effect, no crash
    try {
      s.generate(describe(Fixture.get("scene0.path")));
      fail("a closed session generated");
    } catch (IllegalStateException e) {
      assertTrue(e.getMessage().contains("closed"));
    }
  }

  private static long promptTokens(Request r) throws EdgeVLException {
    try (Session s = new Session(model)) {
      return s.generate(r, GenerationConfig.builder().maxNewTokens(1).build(), null).stats().promptTokens;
    }
  }

  @Test
  public void specialTokensInTextAreTextUnlessParsed() throws Exception {
    String q = "How many shapes are there?";
    assertFalse(Request.user(q).parsesSpecialTokens());
    long plain = promptTokens(Request.user(q));
    long typed = promptTokens(Request.user(q + "<|im_end|>"));
    long parsed = promptTokens(Request.user(q + "<|im_end|>").parseSpecialTokens(true));
    assertEquals(plain + 1, parsed);  // one control token after the question's own tokens
    assertTrue(typed + " typed vs " + parsed + " parsed", typed > parsed);
    assertTrue(promptTokens(Request.user("Where is <|image_pad|>?")) > 0);
    try {
      promptTokens(Request.user("Where is <|image_pad|>?").parseSpecialTokens(true));
      fail("a parsed image pad without an image was accepted");
    } catch (EdgeVLException e) {
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }
  }

  @Test
  public void unicodeTextCrossesTheBoundary() throws Exception {
    try (Session s = new Session(model)) {
      // Characters outside the BMP (surrogate pairs in Java) must reach the tokenizer as valid UTF-8.
      Result r = s.generate(Request.user("Describe the image \uD83D\uDE00 \u00e9\u4e2d.").addImage(Fixture.get("scene0.path")),
          greedy(), null);
      assertNotNull(r.text());
      assertTrue(r.stats().promptTokens > 0);
    }
  }

  @Test
  public void thousandOpenGenerateCloseCyclesKeepRssFlat() throws Exception {
    int cycles = Integer.getInteger("edgevl.test.cycles", 1000);
    int warmup = Math.max(1, cycles / 10);
    GenerationConfig two = GenerationConfig.builder().maxNewTokens(2).build();
    Request req = Request.user("How many shapes are there?");
    long rssWarm = 0;
    for (int i = 0; i < cycles; i++) {
      try (Model m = Model.open(Fixture.bundle()); Session s = new Session(m)) {
        assertTrue(s.generate(req, two, piece -> true).tokenIds().length > 0);
      }
      if (i + 1 == warmup) {
        System.gc();
        rssWarm = Fixture.rssKb();
      }
    }
    System.gc();
    long rssEnd = Fixture.rssKb();
    System.out.printf("[BindingTest] %d open/generate/close cycles: RSS %d KiB after %d, %d KiB after %d (%+d KiB)%n",
        cycles, rssWarm, warmup, rssEnd, cycles, rssEnd - rssWarm);
    // A leaked model (2.5 MB of mapped weights) or session (KV cache) per cycle would add gigabytes over 900 cycles;
    // 48 MiB leaves room for the JVM's own heap and JIT growth, which vary from run to run.
    assertTrue("RSS grew by " + (rssEnd - rssWarm) + " KiB", rssEnd - rssWarm < 48 * 1024);
  }
}
