// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.view;

/** Stand-in for android.view.View. */
public class View {
  public static final int VISIBLE = 0;
  public static final int GONE = 8;
  public static final int FOCUS_DOWN = 130;

  /** Stand-in for android.view.View.OnClickListener. */
  public interface OnClickListener {
    void onClick(View v);
  }

  public void setOnClickListener(OnClickListener l) {
    throw new RuntimeException("Stub!");
  }

  public void setEnabled(boolean enabled) {
    throw new RuntimeException("Stub!");
  }

  public void setVisibility(int visibility) {
    throw new RuntimeException("Stub!");
  }

  public boolean post(Runnable action) {
    throw new RuntimeException("Stub!");
  }
}
