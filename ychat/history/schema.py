"""The store's SQL schema: each migration from one version to the next (``PRAGMA user_version``),
run by ``store.py`` in one write transaction with the store's creation.

5: attachments (issue 23). Each picture or scanned page is kept once, by its SHA-256, in
``blobs``; ``attachments`` ties it to the user message it went with, in order, and says how:
``image`` (the model saw it) or ``ocr`` (its text, read by OCR, is in the message)."""

SCHEMA_VERSION = 5
MIGRATIONS = {
    1: """
        CREATE TABLE conversations (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, dialect TEXT NOT NULL, model TEXT NOT NULL,
            system TEXT, options TEXT NOT NULL DEFAULT '{}', created REAL NOT NULL, updated REAL NOT NULL);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            role TEXT NOT NULL, text TEXT NOT NULL, created REAL NOT NULL);
        CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
    """,
    2: """
        ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT 'ok';
        ALTER TABLE messages ADD COLUMN usage TEXT;
        ALTER TABLE messages ADD COLUMN model_version TEXT NOT NULL DEFAULT '';
        ALTER TABLE messages ADD COLUMN finish TEXT;
        CREATE INDEX conversations_by_update ON conversations(updated);
    """,
    3: """
        ALTER TABLE messages ADD COLUMN steps TEXT;
    """,
    4: """
        ALTER TABLE messages ADD COLUMN meta TEXT;
    """,
    5: """
        CREATE TABLE blobs (digest TEXT PRIMARY KEY, mime TEXT NOT NULL, data BLOB NOT NULL);
        CREATE TABLE attachments (
            message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE, position INTEGER NOT NULL,
            name TEXT NOT NULL, digest TEXT NOT NULL REFERENCES blobs(digest), via TEXT NOT NULL,
            PRIMARY KEY (message_id, position));
        CREATE INDEX attachments_by_digest ON attachments(digest);
    """,
}
FTS = "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(text, content='messages', content_rowid='id')"
