// Kernels write every scratch value before reading it; zeroing stack buffers on entry would be wasted work
// in the hottest functions.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
