//! evutil: the portability layer of util.h (sockets, addresses, strings, time, randomness).
