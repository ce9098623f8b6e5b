package ai.edgevl.chat.console;

import ai.edgevl.GenerationConfig;
import ai.edgevl.chat.Answer;
import ai.edgevl.chat.ChatController;
import ai.edgevl.chat.ChatError;
import ai.edgevl.chat.ChatListener;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * edgevl-chat: the host console front end of the sample app's {@link ChatController} (the same controller the Android
 * Activity uses). One conversation; the answer streams to stdout.
 *
 * <pre>
 * edgevl-chat --model BUNDLE.evl [--image FILE ...] [--prompt TEXT ...] [--max-new-tokens N] [--temperature T]
 *             [--seed S] [--stats]
 * </pre>
 *
 * With --prompt, each prompt is asked in turn in one conversation (the images go with the first) and the program
 * exits; without, prompts are read from stdin, one per line: {@code /image PATH} attaches an image to the next prompt,
 * {@code /reset} starts a new conversation, {@code /quit} (or end of input) exits. --stats prints each answer's stats
 * line (timings, tokens prefilled and taken from the cache) on stderr. Exit codes: 0 success, 1 an error (message on
 * stderr; in the stdin mode errors are reported and the conversation goes on), 2 bad command line.
 */
public final class EdgeVLChat {
  private EdgeVLChat() {}

  private static final String USAGE =
      "usage: edgevl-chat --model BUNDLE.evl [--image FILE ...] [--prompt TEXT ...] [--max-new-tokens N]\n"
          + "                   [--temperature T] [--seed S] [--stats]";

  public static void main(String[] args) throws Exception {
    System.exit(run(args));
  }

  static int run(String[] args) throws IOException, InterruptedException, ExecutionException {
    String model = null;
    List<String> images = new ArrayList<>();
    List<String> prompts = new ArrayList<>();
    GenerationConfig.Builder config = GenerationConfig.builder();
    boolean stats = false;
    try {
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--model":
            model = value(args, ++i, a);
            break;
          case "--image":
            images.add(value(args, ++i, a));
            break;
          case "--prompt":
            prompts.add(value(args, ++i, a));
            break;
          case "--max-new-tokens":
            config.maxNewTokens(Integer.parseInt(value(args, ++i, a)));
            break;
          case "--temperature":
            config.temperature(Float.parseFloat(value(args, ++i, a)));
            break;
          case "--seed":
            config.seed(Long.parseLong(value(args, ++i, a)));
            break;
          case "--stats":
            stats = true;
            break;
          case "-h":
          case "--help":
            System.out.println(USAGE);
            return 0;
          default:
            throw new IllegalArgumentException("unknown argument " + a);
        }
      }
      if (model == null) throw new IllegalArgumentException("--model is required");
    } catch (IllegalArgumentException e) {  // includes NumberFormatException
      System.err.println("edgevl-chat: " + e.getMessage() + "\n" + USAGE);
      return 2;
    }

    PrintStream out = new PrintStream(System.out, true, "UTF-8");
    ConsoleView view = new ConsoleView(out, stats);
    try (ChatController chat = new ChatController(view, Runnable::run)) {
      chat.setGenerationConfig(config.build());
      if (!chat.loadModel(model).get()) return 1;
      for (String image : images) chat.attachImage(image);
      if (!prompts.isEmpty()) {
        for (String p : prompts) {
          if (chat.ask(p).get() == null) return 1;
        }
        return 0;
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        line = line.trim();
        if (line.isEmpty()) continue;
        if (line.equals("/quit")) break;
        if (line.equals("/reset")) {
          chat.newConversation().get();
          continue;
        }
        if (line.startsWith("/image ")) {
          chat.attachImage(line.substring(7).trim());
          continue;
        }
        chat.ask(line).get();
      }
      return 0;
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
    return args[i];
  }

  /** Prints what the controller reports; listener calls run on the controller's worker thread (Runnable::run). */
  private static final class ConsoleView implements ChatListener {
    private final PrintStream out;
    private final boolean stats;

    ConsoleView(PrintStream out, boolean stats) {
      this.out = out;
      this.stats = stats;
    }

    @Override
    public void onModelLoaded(String description) {
      System.err.println("[edgevl-chat] " + description);
    }

    @Override
    public void onToken(String piece) {
      out.print(piece);
      out.flush();
    }

    @Override
    public void onAnswerFinished(Answer answer) {
      out.println();
      if (stats) System.err.println("[turn " + answer.turn() + "] " + answer.statsLine());
    }

    @Override
    public void onConversationReset() {
      System.err.println("[edgevl-chat] new conversation");
    }

    @Override
    public void onError(ChatError error) {
      String code = error.code() == null ? "usage" : error.code().name().toLowerCase(java.util.Locale.ROOT);
      System.err.println("edgevl-chat: error: " + error.display() + " [" + code + "]");
    }
  }
}
