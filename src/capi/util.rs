//! event2/util.h.
