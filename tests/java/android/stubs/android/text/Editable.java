// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.text;

/** Stand-in for android.text.Editable (what EditText.getText() returns). */
public interface Editable extends CharSequence {}
