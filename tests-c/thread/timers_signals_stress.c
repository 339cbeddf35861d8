/* timers_signals_stress: while the base loops in the main thread, four threads each add 250
   one-shot timers (1,000 in all, 0-9 ms; a quarter of them first added far ahead and
   deleted), and a fifth thread sends 100 SIGUSR1s one at a time (each waits until the
   previous one was delivered, so the kernel never merges two). Every timer that stays added
   fires exactly once, every signal is delivered, nothing deadlocks; bounded by alarm(). */
/* LIBS: -levent_pthreads */
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); exit(1); } } while (0)
#define CHECK_EQ(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); if (a_ != b_) { \
    fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, #b, a_, b_); exit(1); } } while (0)

#define NTHREADS 4
#define PER_THREAD 250
#define NSIGNALS 100

static struct event_base *base;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int fired[NTHREADS * PER_THREAD];
static int timers_fired, signals_seen, workers_done;
static struct event *timers[NTHREADS * PER_THREAD];

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	int i = (int)(long)arg;
	(void)fd;
	CHECK(what == EV_TIMEOUT);
	pthread_mutex_lock(&mu);
	fired[i]++;
	timers_fired++;
	pthread_mutex_unlock(&mu);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)arg;
	CHECK(sig == SIGUSR1);
	CHECK(what & EV_SIGNAL);
	pthread_mutex_lock(&mu);
	signals_seen += event_get_signal((struct event *)arg) == SIGUSR1 ? 1 : 0;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void *timer_worker(void *p)
{
	int t = (int)(long)p, k;
	unsigned seed = (unsigned)t * 7919u + 1;
	for (k = 0; k < PER_THREAD; k++) {
		int i = t * PER_THREAD + k;
		struct timeval tv = { 0, (long)(rand_r(&seed) % 10) * 1000 };
		struct event *ev = evtimer_new(base, timer_cb, (void *)(long)i);
		CHECK(ev != NULL);
		timers[i] = ev;
		if (k % 4 == 0) {
			/* Added with a long timeout, deleted before it can fire, then added for real.
			   (Never a short timeout first: the loop thread could fire it before the
			   delete, and it would then fire twice.) */
			struct timeval later = { 5, 0 };
			CHECK_EQ(evtimer_add(ev, &later), 0);
			CHECK_EQ(evtimer_del(ev), 0);
		}
		CHECK_EQ(evtimer_add(ev, &tv), 0);
	}
	pthread_mutex_lock(&mu);
	workers_done++;
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void *signal_worker(void *p)
{
	int k;
	(void)p;
	for (k = 0; k < NSIGNALS; k++) {
		pthread_mutex_lock(&mu);
		kill(getpid(), SIGUSR1);
		while (signals_seen < k + 1)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

static void check_done(evutil_socket_t fd, short what, void *arg)
{
	int done;
	(void)fd;
	(void)what;
	(void)arg;
	pthread_mutex_lock(&mu);
	done = workers_done == NTHREADS && timers_fired == NTHREADS * PER_THREAD && signals_seen == NSIGNALS;
	pthread_mutex_unlock(&mu);
	if (done)
		event_base_loopbreak(base);
}

int main(void)
{
	pthread_t th[NTHREADS + 1];
	struct event *sig, *tick;
	struct timeval ms10 = { 0, 10000 };
	sigset_t set;
	int i;

	alarm(30);
	CHECK_EQ(evthread_use_pthreads(), 0);
	base = event_base_new();
	CHECK(base != NULL);
	sig = evsignal_new(base, SIGUSR1, signal_cb, event_self_cbarg());
	CHECK(sig != NULL);
	CHECK_EQ(evsignal_add(sig, NULL), 0);
	tick = event_new(base, -1, EV_PERSIST, check_done, NULL);
	CHECK_EQ(event_add(tick, &ms10), 0);

	/* Only the main (looping) thread takes SIGUSR1: the handler runs there, as a program
	   using signal events arranges. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < NTHREADS; i++)
		CHECK_EQ(pthread_create(&th[i], NULL, timer_worker, (void *)(long)i), 0);
	CHECK_EQ(pthread_create(&th[NTHREADS], NULL, signal_worker, NULL), 0);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	CHECK_EQ(event_base_dispatch(base), 0);
	for (i = 0; i <= NTHREADS; i++)
		pthread_join(th[i], NULL);

	CHECK_EQ(timers_fired, NTHREADS * PER_THREAD);
	for (i = 0; i < NTHREADS * PER_THREAD; i++) {
		CHECK_EQ(fired[i], 1);
		event_free(timers[i]);
	}
	CHECK_EQ(signals_seen, NSIGNALS);
	event_free(sig);
	event_free(tick);
	event_base_free(base);
	printf("ok: %d timers, %d signals\n", NTHREADS * PER_THREAD, NSIGNALS);
	return 0;
}
