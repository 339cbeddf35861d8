/*
 * event2/rpc_compat.h
 *
 * Variadic forms of the message accessor macros, as older generated code
 * uses them.  These replace the fixed-arity EVTAG_ASSIGN / EVTAG_GET of
 * event2/rpc.h, whichever header comes first.  Includes nothing.
 */
#ifndef EVENT2_RPC_COMPAT_H_INCLUDED_
#define EVENT2_RPC_COMPAT_H_INCLUDED_

#undef EVTAG_ASSIGN
#undef EVTAG_GET
#undef EVTAG_ADD

#ifdef __GNUC__
/* GNU named variadic arguments; ", ## args" drops the comma when empty. */
#define EVTAG_ASSIGN(msg, member, args...) \
	(*(msg)->base->member##_assign)(msg, ## args)
#define EVTAG_GET(msg, member, args...) \
	(*(msg)->base->member##_get)(msg, ## args)
#define EVTAG_ADD(msg, member, args...) \
	(*(msg)->base->member##_add)(msg, ## args)
#else
#define EVTAG_ASSIGN(msg, member, ...) \
	(*(msg)->base->member##_assign)(msg, ## __VA_ARGS__)
#define EVTAG_GET(msg, member, ...) \
	(*(msg)->base->member##_get)(msg, ## __VA_ARGS__)
#define EVTAG_ADD(msg, member, ...) \
	(*(msg)->base->member##_add)(msg, ## __VA_ARGS__)
#endif
#define EVTAG_LEN(msg, member) ((msg)->member##_length)

#endif /* EVENT2_RPC_COMPAT_H_INCLUDED_ */
