//! evbuffer: chained byte buffers (buffer.h, buffer_compat.h).
