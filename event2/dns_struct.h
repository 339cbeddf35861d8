/*
 * event2/dns_struct.h
 *
 * The parts of a DNS server request that a server callback reads
 * directly: its flags and its questions.
 */
#ifndef EVENT2_DNS_STRUCT_H_INCLUDED_
#define EVENT2_DNS_STRUCT_H_INCLUDED_

#include <event2/event-config.h>

#include <sys/types.h>
#include <sys/time.h>

#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct evdns_server_question;

/* The public start of a request received by a DNS server port. */
struct evdns_server_request {
	int flags;		/* header flags of the query */
	int nquestions;
	struct evdns_server_question **questions;
};

/* One question of a request. */
struct evdns_server_question {
	int type;		/* EVDNS_TYPE_* / EVDNS_QTYPE_* */
#ifdef __cplusplus
	int dns_question_class;	/* EVDNS_CLASS_* */
#else
	/* C programs may also call this field "class"; dns_question_class
	 * works in both languages. */
	int class;
#define dns_question_class class
#endif
	char name[1];		/* NUL-terminated, allocated past the end */
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_STRUCT_H_INCLUDED_ */
