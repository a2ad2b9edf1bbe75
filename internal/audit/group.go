package audit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// maxGroupCommit bounds how many concurrent appends share one transaction; past a few hundred
// the commit's flush is no longer what costs, and a bounded batch keeps the writer's latency bounded.
const maxGroupCommit = 256

// groupCommitTimeout bounds one batch's transaction; it outlasts sqliteBusyTimeout.
const groupCommitTimeout = 30 * time.Second

// lingerFor is how long a batch of background appends waits for more appends to share its
// commit. Appends that arrive a few milliseconds apart (an MLLP feed at hundreds of messages a
// second) otherwise find the writer idle and each pay a commit and its flush alone.
const lingerFor = 5 * time.Millisecond

// backgroundKey marks a context whose appends nobody waits on for an answer.
type backgroundKey struct{}

// Background marks the appends made with ctx (or a context derived from it) as background
// writes, such as the kept copy of an HL7 message already durable in its workflow's history:
// a store may hold them a few milliseconds to commit them together with others. An append
// whose caller is waiting commits at once and takes the held ones along.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// IsBackground reports whether ctx was marked by Background.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}

// errStoreClosed answers appends that arrive after Close.
var errStoreClosed = errors.New("audit: append: store is closed")

// errOutcomeUnknown marks a failed commit the database may nevertheless have applied (the
// connection failed while COMMIT was in flight): writing the batch again row by row could
// store its records twice, so every append in it gets the error instead.
var errOutcomeUnknown = errors.New("commit outcome unknown")

// appendReq is one Append waiting for the group-commit writer: a record through prepare and
// sealRecord, and the values of its payload columns.
type appendReq struct {
	r       Record
	payload any
	keyID   any
	// linger is set for a background append (Background): it may wait for company.
	linger bool
	done   chan appendRes
}

type appendRes struct {
	id  int64
	err error
}

// commitFunc is a store's half of group commit: it inserts batch in one transaction and
// returns the IDs in batch order, storing all of the rows or none of them (unless it reports
// errOutcomeUnknown).
type commitFunc func(ctx context.Context, batch []*appendReq) ([]int64, error)

// groupWriter turns concurrent Appends into one transaction each time a writer is free: a
// durable commit costs one flush (SQLite's fsync, PostgreSQL's WAL flush), so N appends that
// arrive while a commit is under way share the next commit's flush instead of queueing N
// flushes. An append still returns only after its own row is committed, so durability is
// unchanged.
type groupWriter struct {
	commit  commitFunc
	queue   chan *appendReq
	closing chan struct{}
	// linger is how long a batch of background appends waits for more (lingerFor).
	linger  time.Duration
	stopped sync.WaitGroup
	once    sync.Once
}

// newGroupWriter starts writers goroutines that commit batches with commit.
func newGroupWriter(commit commitFunc, writers int) *groupWriter {
	g := &groupWriter{commit: commit, queue: make(chan *appendReq), closing: make(chan struct{}), linger: lingerFor}
	for range writers {
		g.stopped.Go(g.run)
	}
	return g
}

// appendRecord is a group-committing store's Append: it validates r, seals its payload before
// the record is queued (so no writer waits on encryption), and returns r with its ID.
func (g *groupWriter) appendRecord(ctx context.Context, sealer Sealer, r Record) (Record, error) {
	r, err := prepare(r, time.Now())
	if err != nil {
		return Record{}, err
	}
	r, sealed, err := sealRecord(sealer, r)
	if err != nil {
		return Record{}, err
	}
	payload, keyID := sealed.columns()
	id, err := g.append(ctx, &appendReq{r: r, payload: payload, keyID: keyID})
	if err != nil {
		return Record{}, err
	}
	r.ID = id
	return r, nil
}

// append hands req to a writer and waits for its commit or ctx. A request a writer has
// taken is committed even if ctx ends first (the caller then sees ctx's error).
func (g *groupWriter) append(ctx context.Context, req *appendReq) (int64, error) {
	// A select picks at random among ready cases, so without this check an idle writer
	// could take (and commit) the record of a caller whose context had already ended.
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("audit: append: %w", err)
	}
	req.done = make(chan appendRes, 1)
	req.linger = IsBackground(ctx)
	select {
	case g.queue <- req:
	case <-g.closing:
		return 0, errStoreClosed
	case <-ctx.Done():
		return 0, fmt.Errorf("audit: append: %w", ctx.Err())
	}
	select {
	case res := <-req.done:
		return res.id, res.err
	case <-ctx.Done():
		return 0, fmt.Errorf("audit: append: %w", ctx.Err())
	}
}

func (g *groupWriter) run() {
	for {
		var first *appendReq
		select {
		case first = <-g.queue:
		case <-g.closing:
			return
		}
		batch := g.drain([]*appendReq{first})
		if g.linger > 0 && len(batch) < maxGroupCommit && !slices.ContainsFunc(batch, waited) {
			batch = g.gather(batch)
		}
		g.flush(batch)
	}
}

// waited reports whether req's caller is waiting on its commit.
func waited(req *appendReq) bool { return !req.linger }

// drain adds to batch the requests already waiting, up to maxGroupCommit.
func (g *groupWriter) drain(batch []*appendReq) []*appendReq {
	for len(batch) < maxGroupCommit {
		select {
		case req := <-g.queue:
			batch = append(batch, req)
		default:
			return batch
		}
	}
	return batch
}

// gather holds a batch of background appends for up to g.linger while more arrive; an append
// whose caller waits ends the wait at once, as do a full batch and Close.
func (g *groupWriter) gather(batch []*appendReq) []*appendReq {
	t := time.NewTimer(g.linger)
	defer t.Stop()
	for len(batch) < maxGroupCommit {
		select {
		case req := <-g.queue:
			batch = append(batch, req)
			if waited(req) {
				return g.drain(batch)
			}
		case <-t.C:
			return batch
		case <-g.closing:
			return batch
		}
	}
	return batch
}

// flush commits batch and answers each of its requests. If the transaction fails, each record
// is committed on its own so that one bad record cannot fail the others.
func (g *groupWriter) flush(batch []*appendReq) {
	ctx, cancel := context.WithTimeout(context.Background(), groupCommitTimeout)
	defer cancel()
	ids, err := g.commit(ctx, batch)
	switch {
	case err == nil:
		for i, req := range batch {
			req.done <- appendRes{id: ids[i]}
		}
	case len(batch) == 1 || errors.Is(err, errOutcomeUnknown):
		for _, req := range batch {
			req.done <- appendRes{err: fmt.Errorf("audit: append: %w", err)}
		}
	default:
		for _, req := range batch {
			var id int64
			ids, err := g.commit(ctx, []*appendReq{req})
			if err == nil {
				id = ids[0]
			} else {
				err = fmt.Errorf("audit: append: %w", err)
			}
			req.done <- appendRes{id: id, err: err}
		}
	}
}

// close stops the writers after the batches they are committing; later appends get
// errStoreClosed.
func (g *groupWriter) close() {
	g.once.Do(func() { close(g.closing) })
	g.stopped.Wait()
}
