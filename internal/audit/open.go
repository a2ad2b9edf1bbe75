package audit

import (
	"context"
	"errors"
	"path/filepath"
)

// SQLiteFileName is the embedded store's file inside the data directory.
const SQLiteFileName = "engine.db"

// Open returns the PostgreSQL store when databaseURL is set (DATABASE_URL) and otherwise
// the embedded SQLite store at <dataDir>/engine.db, without payload support.
func Open(ctx context.Context, databaseURL, dataDir string) (Store, error) {
	return OpenWith(ctx, databaseURL, dataDir, Options{})
}

// OpenWith is Open with options, such as the Sealer that lets records carry a Payload.
func OpenWith(ctx context.Context, databaseURL, dataDir string, o Options) (Store, error) {
	if databaseURL != "" {
		s, err := OpenPostgresWith(ctx, databaseURL, o)
		if err != nil {
			// Return a nil interface, not an interface holding a nil *PostgresStore.
			return nil, err
		}
		return s, nil
	}
	if dataDir == "" {
		return nil, errors.New("audit: a data directory is required when DATABASE_URL is unset")
	}
	s, err := OpenSQLiteWith(ctx, filepath.Join(dataDir, SQLiteFileName), o)
	if err != nil {
		return nil, err
	}
	return s, nil
}
