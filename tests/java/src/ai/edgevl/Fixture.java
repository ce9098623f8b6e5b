package ai.edgevl;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Properties;

/**
 * The shared test fixture written by tests/c_api/make_demo_bundle (CTest fixture c_api.bundle): the demo model
 * compiled to a bundle, and the C++ API's answers in expected.properties. Its folder is the system property
 * {@code edgevl.test.fixture}.
 */
public final class Fixture {
  private static Properties props;

  private Fixture() {}

  public static synchronized String get(String key) {
    if (props == null) {
      String dir = System.getProperty("edgevl.test.fixture");
      if (dir == null) throw new IllegalStateException("system property edgevl.test.fixture is not set");
      Properties p = new Properties();
      try (InputStreamReader in =
          new InputStreamReader(new FileInputStream(dir + "/expected.properties"), StandardCharsets.UTF_8)) {
        p.load(in);
      } catch (IOException e) {
        throw new IllegalStateException("cannot read " + dir + "/expected.properties (run ctest -R c_api.bundle)", e);
      }
      p.setProperty("dir", dir);
      props = p;
    }
    String v = props.getProperty(key);
    if (v == null) throw new IllegalStateException("expected.properties has no " + key);
    return v;
  }

  public static String bundle() {
    return get("bundle");
  }

  public static String dir() {
    return get("dir");
  }

  public static byte[] readFile(String path) throws IOException {
    return Files.readAllBytes(Paths.get(path));
  }

  /** Resident set size of this process in KiB (/proc/self/status VmRSS; Linux). */
  public static long rssKb() throws IOException {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return -1;
  }
}
