//! event2/http.h: URI, percent-coding, query and header-list functions.
