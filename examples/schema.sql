-- schema.sql — the tables the examples work on (run once, as the role that runs them).
CREATE TABLE invoices (id int PRIMARY KEY, amount numeric NOT NULL, status text NOT NULL DEFAULT 'new');
CREATE TABLE maintenance_log (task text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE documents (id int PRIMARY KEY, batch int NOT NULL, body text NOT NULL);
CREATE TABLE embeddings (doc_id int PRIMARY KEY REFERENCES documents, embedding jsonb NOT NULL);
