/*
 * <evutil.h> -- libevent 1.4-style name for event2/util.h.
 */
#ifndef EVENT1_EVUTIL_H_INCLUDED_
#define EVENT1_EVUTIL_H_INCLUDED_

#include <event2/util.h>

#endif /* EVENT1_EVUTIL_H_INCLUDED_ */
