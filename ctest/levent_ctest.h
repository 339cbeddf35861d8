/*
 * Test-only C declarations for the ctest checks (ctest/build.rs); not installed.
 *
 * The Rust `Event` splits struct event's union `ev_` into the list link
 * (io_next/io_prev, checked against ev_.ev_io.ev_io_next) and a union `u` of
 * the I/O timeout (checked against ev_.ev_io.ev_timeout) and `SignalPart`,
 * the members of ev_.ev_signal that follow its link.  C has no name for that
 * tail, so this struct gives it one, with the member types taken from
 * event_struct.h, and the assertions pin it to where struct event has it.
 */
#ifndef LEVENT_CTEST_H_INCLUDED_
#define LEVENT_CTEST_H_INCLUDED_

#include <stddef.h>
#include <event2/event_struct.h>

#define LEVENT_CTEST_EV_(m) (((struct event *)0)->ev_.m)

struct levent_ctest_signal_part {
	__typeof__(LEVENT_CTEST_EV_(ev_signal.ev_ncalls)) ev_ncalls;
	__typeof__(LEVENT_CTEST_EV_(ev_signal.ev_pncalls)) ev_pncalls;
};

_Static_assert(offsetof(struct event, ev_.ev_signal.ev_signal_next) ==
    offsetof(struct event, ev_.ev_io.ev_io_next),
    "the signal link shares the I/O link");
_Static_assert(offsetof(struct event, ev_.ev_signal.ev_ncalls) ==
    offsetof(struct event, ev_.ev_io.ev_timeout),
    "the signal counters start where the I/O timeout does");
_Static_assert(offsetof(struct event, ev_.ev_signal.ev_pncalls) -
    offsetof(struct event, ev_.ev_signal.ev_ncalls) ==
    offsetof(struct levent_ctest_signal_part, ev_pncalls),
    "struct levent_ctest_signal_part is laid out as the tail of ev_signal");

/*
 * struct evrpc_req_generic is opaque in C: programs see its layout only as the
 * request object EVRPC_HEADER declares for each RPC. This is one of those,
 * for a message type that needs no definition (only pointers to it).
 */
struct levent_ctest_msg;
EVRPC_HEADER(levent_ctest, levent_ctest_msg, levent_ctest_msg)

#endif /* LEVENT_CTEST_H_INCLUDED_ */
