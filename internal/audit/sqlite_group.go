package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// maxGroupCommit bounds how many concurrent appends share one transaction; past a few hundred
// the fsync is no longer what costs, and a bounded batch keeps the writer's latency bounded.
const maxGroupCommit = 256

// groupCommitTimeout bounds one batch's transaction; it outlasts sqliteBusyTimeout.
const groupCommitTimeout = 30 * time.Second

// errStoreClosed answers appends that arrive after Close.
var errStoreClosed = errors.New("audit: append: store is closed")

// appendReq is one Append waiting for the group-commit writer.
type appendReq struct {
	r       Record
	payload any
	keyID   any
	done    chan appendRes
}

type appendRes struct {
	id  int64
	err error
}

// groupWriter turns concurrent Appends into one transaction each time the writer is free:
// SQLite (synchronous=FULL) pays one fsync per commit, so N appends that arrive while a commit
// is under way share the next commit's fsync instead of queueing N fsyncs. An append still
// returns only after its own row is committed, so durability is unchanged.
type groupWriter struct {
	s       *SQLiteStore
	queue   chan *appendReq
	closing chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func newGroupWriter(s *SQLiteStore) *groupWriter {
	g := &groupWriter{s: s, queue: make(chan *appendReq), closing: make(chan struct{}), stopped: make(chan struct{})}
	go g.run()
	return g
}

// append hands req to the writer and waits for its commit or ctx. A request the writer has
// taken is committed even if ctx ends first (the caller then sees ctx's error).
func (g *groupWriter) append(ctx context.Context, req *appendReq) (int64, error) {
	req.done = make(chan appendRes, 1)
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
	defer close(g.stopped)
	for {
		var first *appendReq
		select {
		case first = <-g.queue:
		case <-g.closing:
			return
		}
		batch := []*appendReq{first}
	drain:
		for len(batch) < maxGroupCommit {
			select {
			case req := <-g.queue:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		g.commit(batch)
	}
}

// commit writes batch in one transaction; if that fails, each record is written on its own so
// one bad record cannot fail the others.
func (g *groupWriter) commit(batch []*appendReq) {
	ctx, cancel := context.WithTimeout(context.Background(), groupCommitTimeout)
	defer cancel()
	if len(batch) > 1 {
		if ids, err := g.commitTx(ctx, batch); err == nil {
			for i, req := range batch {
				req.done <- appendRes{id: ids[i]}
			}
			return
		}
	}
	for _, req := range batch {
		var id int64
		err := g.s.w.QueryRowContext(ctx, insertRecordSQL, insertArgs(req)...).Scan(&id)
		if err != nil {
			err = fmt.Errorf("audit: append: %w", err)
		}
		req.done <- appendRes{id: id, err: err}
	}
}

func (g *groupWriter) commitTx(ctx context.Context, batch []*appendReq) ([]int64, error) {
	tx, err := g.s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	ids := make([]int64, len(batch))
	for i, req := range batch {
		if err := tx.QueryRowContext(ctx, insertRecordSQL, insertArgs(req)...).Scan(&ids[i]); err != nil {
			return nil, err
		}
	}
	return ids, tx.Commit()
}

// close stops the writer after the batch it is committing; later appends get errStoreClosed.
func (g *groupWriter) close() {
	g.once.Do(func() { close(g.closing) })
	<-g.stopped
}

const insertRecordSQL = `INSERT INTO audit_records
		(at, actor, action, process, vendor, exchange, outcome, code, latency_ns, payload, payload_key_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`

func insertArgs(req *appendReq) []any {
	r := req.r
	return []any{formatSQLiteTime(r.At), r.Actor, r.Action, r.Process, r.Vendor, r.Exchange, r.Outcome, r.Code,
		int64(r.Latency), req.payload, req.keyID}
}
