/*
 * event2/rpc_compat.h
 *
 * Variadic forms of the message accessor macros, as older generated code
 * uses them.  They rely on GNU comma elision, so they are only
 * provided when compiling in a GNU dialect (not with -std=c99/c11 or
 * other strict ISO modes); there they replace the fixed-arity EVTAG_ASSIGN
 * and EVTAG_GET of event2/rpc.h, whichever header comes first.
 * Includes nothing.
 */
#ifndef EVENT2_RPC_COMPAT_H_INCLUDED_
#define EVENT2_RPC_COMPAT_H_INCLUDED_

#if defined(__GNUC__) && !defined(__STRICT_ANSI__)
#undef EVTAG_ASSIGN
#undef EVTAG_GET
#undef EVTAG_ADD
/* ", ## __VA_ARGS__" drops the comma when no extra arguments are given
 * (a GNU extension, hence the condition above). */
#define EVTAG_ASSIGN(msg, member, ...) \
	(*(msg)->base->member##_assign)(msg, ## __VA_ARGS__)
#define EVTAG_GET(msg, member, ...) \
	(*(msg)->base->member##_get)(msg, ## __VA_ARGS__)
#define EVTAG_ADD(msg, member, ...) \
	(*(msg)->base->member##_add)(msg, ## __VA_ARGS__)
#endif

#define EVTAG_LEN(msg, member) ((msg)->member##_length)

#endif /* EVENT2_RPC_COMPAT_H_INCLUDED_ */
