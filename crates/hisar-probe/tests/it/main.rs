//! The HTTP probe against hostile servers on real sockets.

mod hostile;
