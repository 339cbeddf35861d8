//! Runs the checks build.rs generated with ctest: for every Rust type and constant named below,
//! its size, alignment, field offsets/sizes/types and values must equal those of our C headers
//! (event2/*.h). Only the names are written here; what is compared, and against which C
//! declaration, is generated from the library's source (see build.rs).
//!
//! A constant that build.rs selects but that is missing here fails to compile ("cannot find
//! value"), so this list cannot silently fall behind.

// The generated code (ctest's templates) is not held to our lints.
#![allow(clippy::all)]

// The generated code names the constants' C types; it brings c_int and c_uint itself.
use libc::c_short;

use levent::backend::{EV_FEATURE_EARLY_CLOSE, EV_FEATURE_ET, EV_FEATURE_FDS, EV_FEATURE_O1};
use levent::buffer::buffer::EVBUFFER_FLAG_DRAINS_TO_FD;
use levent::buffer::callbacks::{CbInfo, EVBUFFER_CB_ENABLED};
use levent::buffer::file_segment::{
    EVBUF_FS_CLOSE_ON_FREE, EVBUF_FS_DISABLE_LOCKING, EVBUF_FS_DISABLE_MMAP, EVBUF_FS_DISABLE_SENDFILE,
};
use levent::buffer::search::{
    EvbufferPtr, EVBUFFER_EOL_ANY, EVBUFFER_EOL_CRLF, EVBUFFER_EOL_CRLF_STRICT, EVBUFFER_EOL_LF, EVBUFFER_EOL_NUL,
    EVBUFFER_PTR_ADD, EVBUFFER_PTR_SET,
};
use levent::bufferevent::core::{
    Bufferevent, Watermark, BEV_EVENT_CONNECTED, BEV_EVENT_EOF, BEV_EVENT_ERROR, BEV_EVENT_READING, BEV_EVENT_TIMEOUT,
    BEV_EVENT_WRITING, BEV_FINISHED, BEV_FLUSH, BEV_NORMAL, BEV_OPT_CLOSE_ON_FREE, BEV_OPT_DEFER_CALLBACKS, BEV_OPT_THREADSAFE,
    BEV_OPT_UNLOCK_CALLBACKS, BEV_TRIG_DEFER_CALLBACKS, BEV_TRIG_IGNORE_WATERMARKS,
};
use levent::bufferevent::filter::{BEV_ERROR, BEV_NEED_MORE, BEV_OK};
use levent::bufferevent::openssl::{BUFFEREVENT_SSL_ACCEPTING, BUFFEREVENT_SSL_CONNECTING, BUFFEREVENT_SSL_OPEN};
use levent::core::api::{EVENT_BASE_COUNT_ACTIVE, EVENT_BASE_COUNT_ADDED, EVENT_BASE_COUNT_VIRTUAL};
use levent::core::base::EVENT_MAX_PRIORITIES;
use levent::core::config::{
    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST, EVENT_BASE_FLAG_IGNORE_ENV, EVENT_BASE_FLAG_NOLOCK, EVENT_BASE_FLAG_NO_CACHE_TIME,
    EVENT_BASE_FLAG_PRECISE_TIMER, EVENT_BASE_FLAG_STARTUP_IOCP,
};
use levent::core::dispatch::{EVLOOP_NONBLOCK, EVLOOP_NO_EXIT_ON_EMPTY, EVLOOP_ONCE};
use levent::core::event::{
    CallbackUnion, Event, EventCallback, SignalPart, EVLIST_ACTIVE, EVLIST_ACTIVE_LATER, EVLIST_FINALIZING, EVLIST_INIT,
    EVLIST_INSERTED, EVLIST_INTERNAL, EVLIST_SIGNAL, EVLIST_TIMEOUT, EV_CLOSED, EV_ET, EV_FINALIZE, EV_PERSIST, EV_READ,
    EV_SIGNAL, EV_TIMEOUT, EV_WRITE,
};
use levent::core::log::{EVENT_LOG_DEBUG, EVENT_LOG_ERR, EVENT_LOG_MSG, EVENT_LOG_WARN};
use levent::dns::resolver::api::{
    EVDNS_BASE_DISABLE_WHEN_INACTIVE, EVDNS_BASE_INITIALIZE_NAMESERVERS, EVDNS_BASE_NAMESERVERS_NO_DEFAULT,
};
use levent::dns::resolver::deliver::DNS_PTR;
use levent::dns::resolver::errors::{
    DNS_ERR_CANCEL, DNS_ERR_FORMAT, DNS_ERR_NODATA, DNS_ERR_NONE, DNS_ERR_NOTEXIST, DNS_ERR_NOTIMPL, DNS_ERR_REFUSED,
    DNS_ERR_SERVERFAILED, DNS_ERR_SHUTDOWN, DNS_ERR_TIMEOUT, DNS_ERR_TRUNCATED, DNS_ERR_UNKNOWN,
};
use levent::dns::resolver::lookup::DNS_QUERY_NO_SEARCH;
use levent::dns::resolver::options::{
    DNS_OPTIONS_ALL, DNS_OPTION_HOSTSFILE, DNS_OPTION_MISC, DNS_OPTION_NAMESERVERS, DNS_OPTION_NAMESERVERS_NO_DEFAULT,
    DNS_OPTION_SEARCH,
};
use levent::dns::resolver::tcp::{DNS_QUERY_IGNTC, DNS_QUERY_USEVC};
use levent::dns::server::{EvdnsServerQuestion, EvdnsServerRequest};
use levent::http::connection::{CON_LINGERING_CLOSE, CON_READ_ON_WRITE_ERROR, CON_REUSE_CONNECTED_ADDR};
use levent::http::headers::{KeyVal, KeyValQ};
use levent::http::request::{
    RequestC, ERR_BUFFER_ERROR, ERR_DATA_TOO_LONG, ERR_EOF, ERR_INVALID_HEADER, ERR_REQUEST_CANCEL, ERR_TIMEOUT, KIND_REQUEST,
    KIND_RESPONSE, PROXY_REQUEST, REQ_CONNECT, REQ_DEFER_FREE, REQ_DELETE, REQ_GET, REQ_HEAD, REQ_NEEDS_FREE, REQ_OPTIONS,
    REQ_OWN_CONNECTION, REQ_PATCH, REQ_POST, REQ_PUT, REQ_TRACE, USER_OWNED,
};
use levent::http::server::SERVER_LINGERING_CLOSE;
use levent::http::uri::URI_NONCONFORMANT;
use levent::listener::{
    LEV_OPT_BIND_IPV6ONLY, LEV_OPT_CLOSE_ON_EXEC, LEV_OPT_CLOSE_ON_FREE, LEV_OPT_DEFERRED_ACCEPT, LEV_OPT_DISABLED,
    LEV_OPT_LEAVE_SOCKETS_BLOCKING, LEV_OPT_REUSEABLE, LEV_OPT_REUSEABLE_PORT, LEV_OPT_THREADSAFE,
};
use levent::rpc::hooks::{CONTINUE, INPUT, OUTPUT, PAUSE, TERMINATE};
use levent::rpc::server::{Evrpc, ReqGeneric};
use levent::rpc::{
    Status, STATUS_ERR_BADPAYLOAD, STATUS_ERR_HOOKABORTED, STATUS_ERR_NONE, STATUS_ERR_TIMEOUT, STATUS_ERR_UNSTARTED,
};
use levent::thread::{
    CondCallbacks, LockCallbacks, EVTHREAD_CONDITION_API_VERSION, EVTHREAD_LOCKTYPE_READWRITE, EVTHREAD_LOCKTYPE_RECURSIVE,
    EVTHREAD_LOCK_API_VERSION, EVTHREAD_READ, EVTHREAD_TRY, EVTHREAD_WRITE,
};
use levent::util::addrinfo::{
    EAI_ADDRFAMILY, EAI_AGAIN, EAI_BADFLAGS, EAI_CANCEL, EAI_FAIL, EAI_FAMILY, EAI_MEMORY, EAI_NODATA, EAI_NONAME, EAI_SERVICE,
    EAI_SOCKTYPE, EAI_SYSTEM,
};
use levent::util::time::{EV_MONOT_FALLBACK, EV_MONOT_PRECISE};

include!(concat!(env!("OUT_DIR"), "/abi.rs"));
