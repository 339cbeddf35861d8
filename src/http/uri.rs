//! evhttp_uri and percent-coding.
