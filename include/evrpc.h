/*
 * <evrpc.h> -- libevent 1.4-style RPC header: the core API (<event.h>)
 * plus the RPC layer, its shared structures and the variadic accessor
 * macros older generated code uses.
 */
#ifndef EVENT1_EVRPC_H_INCLUDED_
#define EVENT1_EVRPC_H_INCLUDED_

#include <event.h>
#include <event2/rpc.h>
#include <event2/rpc_struct.h>
#include <event2/rpc_compat.h>

#endif /* EVENT1_EVRPC_H_INCLUDED_ */
