// Compile-only stand-in (see tests/java/android/CMakeLists.txt): the signatures MainActivity uses, as in the
// Android SDK; every body throws. Never run.
package android.widget;

/** Stand-in for android.widget.Button. */
public class Button extends TextView {}
