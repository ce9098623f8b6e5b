package ai.edgevl.chat.console;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import ai.edgevl.Fixture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** edgevl-chat, the console front end of the controller, run in-process with captured stdin/stdout/stderr. */
public class EdgeVLChatTest {
  private String out;
  private String err;

  private int run(String stdin, String... args) throws Exception {
    PrintStream oldOut = System.out, oldErr = System.err;
    InputStream oldIn = System.in;
    ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true, "UTF-8"));
      System.setErr(new PrintStream(e, true, "UTF-8"));
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      return EdgeVLChat.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      System.setIn(oldIn);
      out = o.toString("UTF-8");
      err = e.toString("UTF-8");
      oldErr.print(err);
    }
  }

  @Test
  public void answersAndFollowsUpWithTheCache() throws Exception {
    int rc = run("", "--model", Fixture.bundle(), "--image", Fixture.get("scene0.path"), "--prompt",
        "Describe the image.", "--prompt", "How many shapes are there?", "--stats");
    assertEquals(0, rc);
    assertEquals(Fixture.get("scene0.describe") + "\n" + Fixture.get("scene0.followup") + "\n", out);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\[turn 2\\] .*prefill (\\d+) tok \\((\\d+) cached\\)").matcher(err);
    assertTrue(err, m.find());
    assertEquals(Fixture.get("scene0.followup.prefill"), m.group(1));
    assertTrue("nothing came from the KV cache: " + err, Long.parseLong(m.group(2)) > 0);
  }

  @Test
  public void stdinConversationWithCommandsAndErrors() throws Exception {
    String stdin = "/image " + Fixture.dir() + "/missing.png\nDescribe the image.\n/image " + Fixture.get("scene0.path")
        + "\nDescribe the image.\n/reset\n/image " + Fixture.get("scene4.path") + "\nDescribe the image.\n/quit\nignored\n";
    assertEquals(0, run(stdin, "--model", Fixture.bundle()));
    assertEquals(Fixture.get("scene0.describe") + "\n" + Fixture.get("scene4.describe") + "\n", out);
    assertTrue(err, err.contains("edgevl-chat: error: File not found: ") && err.contains("missing.png")
        && err.contains("[not_found]"));
    assertTrue(err, err.contains("new conversation"));
  }

  @Test
  public void badCommandLinesAndAMissingModel() throws Exception {
    assertEquals(2, run("", "--image", "x.png"));
    assertTrue(err, err.contains("--model is required"));
    assertEquals(2, run("", "--model", Fixture.bundle(), "--max-new-tokens", "zero"));
    assertEquals(2, run("", "--model", Fixture.bundle(), "--max-new-tokens", "0"));
    assertTrue(err, err.contains("maxNewTokens must be >= 1"));
    assertEquals(1, run("", "--model", Fixture.dir() + "/nope.evl", "--prompt", "hi"));
    assertTrue(err, err.contains("nope.evl") && err.contains("[not_found]"));
  }
}
