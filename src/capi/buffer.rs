//! event2/buffer.h and buffer_compat.h.
