// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.widget;

import android.text.Editable;

/** Stand-in for android.widget.EditText. */
public class EditText extends TextView {
  @Override
  public Editable getText() {
    throw new RuntimeException("Stub!");
  }
}
