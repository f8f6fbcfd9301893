PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE config(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
INSERT INTO config VALUES('frag_sim',0.4000000000000000222);
INSERT INTO config VALUES('gap_extend',1);
INSERT INTO config VALUES('gap_open',0);
INSERT INTO config VALUES('match',2);
INSERT INTO config VALUES('max_df',100);
INSERT INTO config VALUES('max_gap',80);
INSERT INTO config VALUES('max_tf',8);
INSERT INTO config VALUES('merge_gap',80);
INSERT INTO config VALUES('min_seeds',3);
INSERT INTO config VALUES('min_words',15);
INSERT INTO config VALUES('mismatch',-1);
INSERT INTO config VALUES('mode',1);
INSERT INTO config VALUES('ngram',4);
INSERT INTO config VALUES('norm',1);
INSERT INTO config VALUES('sent_dice',0.33000000000000001554);
INSERT INTO config VALUES('sent_gap',4);
INSERT INTO config VALUES('sent_sim',0.33000000000000001554);
INSERT INTO config VALUES('summary_gap',30);
INSERT INTO config VALUES('synonyms',0);
INSERT INTO config VALUES('translate',NULL);
INSERT INTO config VALUES('xdrop',20);
CREATE TABLE batches(
  batch INTEGER PRIMARY KEY,
  added_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  n_docs INTEGER NOT NULL,
  n_passages INTEGER NOT NULL);
INSERT INTO batches VALUES(1,'2026-11-23T17:12:21Z',1,0);
CREATE TABLE docs(
  doc INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  text TEXT NOT NULL,
  n_bytes INTEGER NOT NULL,
  source TEXT, date TEXT, url TEXT, title TEXT,
  meta TEXT,
  batch INTEGER NOT NULL REFERENCES batches(batch));
INSERT INTO docs VALUES(1,'a1','winter school farmers garden river bridge museum bridge winter station river museum budget river bridge farmers farmers bridge budget bridge museum farmers river station bridge budget garden garden station river. the council voted on tuesday to expand the harbour and the mayor said that the plan would bring new jobs to the town while critics warned about the cost of dredging and the loss of the old fish market which has stood on the quay since eighteen ninety. station station farmers river budget river museum school road farmers school museum bridge station road museum garden school bridge station',604,NULL,'1987-03-02',NULL,'title a1','{"date":"1987-03-02","title":"title a1"}',1);
CREATE TABLE grams(
  hash INTEGER NOT NULL,
  doc INTEGER NOT NULL REFERENCES docs(doc),
  PRIMARY KEY(hash, doc)) WITHOUT ROWID;
INSERT INTO grams VALUES(98891439427472205,1);
INSERT INTO grams VALUES(102360086481067095,1);
INSERT INTO grams VALUES(130724671885271590,1);
INSERT INTO grams VALUES(155130413866588187,1);
INSERT INTO grams VALUES(203948949198221170,1);
INSERT INTO grams VALUES(210214793486893576,1);
INSERT INTO grams VALUES(212092820919046289,1);
INSERT INTO grams VALUES(488461867391239183,1);
INSERT INTO grams VALUES(935337983601381096,1);
INSERT INTO grams VALUES(958406388335197365,1);
INSERT INTO grams VALUES(1006910036752299005,1);
INSERT INTO grams VALUES(1028957993059732928,1);
INSERT INTO grams VALUES(1083507768401396504,1);
INSERT INTO grams VALUES(1280375421123769442,1);
INSERT INTO grams VALUES(1298673182200174408,1);
INSERT INTO grams VALUES(1300576771687661432,1);
INSERT INTO grams VALUES(1513860268025565861,1);
INSERT INTO grams VALUES(1692148336272892405,1);
INSERT INTO grams VALUES(1700063382037864072,1);
INSERT INTO grams VALUES(1856658387016195607,1);
INSERT INTO grams VALUES(1935130747339665715,1);
INSERT INTO grams VALUES(2390303440690161155,1);
INSERT INTO grams VALUES(2418408979501476066,1);
INSERT INTO grams VALUES(2517389897489581989,1);
INSERT INTO grams VALUES(2623518961793796163,1);
INSERT INTO grams VALUES(3778743874829467449,1);
CREATE TABLE grams_recent(
  hash INTEGER NOT NULL,
  doc INTEGER NOT NULL REFERENCES docs(doc),
  PRIMARY KEY(hash, doc)) WITHOUT ROWID;
CREATE TABLE index_rows(tab TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO index_rows VALUES('grams',26);
INSERT INTO index_rows VALUES('grams_recent',0);
CREATE TABLE passages(
  passage INTEGER PRIMARY KEY,
  doc1 INTEGER NOT NULL REFERENCES docs(doc),
  doc2 INTEGER NOT NULL REFERENCES docs(doc),
  begin1 INTEGER NOT NULL, end1 INTEGER NOT NULL,
  begin2 INTEGER NOT NULL, end2 INTEGER NOT NULL,
  byte_begin1 INTEGER NOT NULL, byte_end1 INTEGER NOT NULL,
  byte_begin2 INTEGER NOT NULL, byte_end2 INTEGER NOT NULL,
  tok_begin1 INTEGER NOT NULL, tok_end1 INTEGER NOT NULL,
  tok_begin2 INTEGER NOT NULL, tok_end2 INTEGER NOT NULL,
  matches INTEGER NOT NULL, columns INTEGER NOT NULL, score INTEGER NOT NULL,
  kind TEXT NOT NULL);
CREATE TABLE stories(
  story INTEGER NOT NULL,
  doc INTEGER NOT NULL REFERENCES docs(doc),
  PRIMARY KEY(story, doc)) WITHOUT ROWID;
CREATE INDEX docs_date ON docs(date);
CREATE INDEX passages_doc1 ON passages(doc1, doc2);
CREATE INDEX passages_doc2 ON passages(doc2, doc1);
CREATE INDEX stories_doc ON stories(doc);
CREATE VIEW passage_ids AS
  SELECT p.passage, d1.id AS id1, d2.id AS id2, p.begin1, p.end1, p.begin2, p.end2,
         p.matches, p.score, p.kind
  FROM passages p JOIN docs d1 ON d1.doc = p.doc1 JOIN docs d2 ON d2.doc = p.doc2;
PRAGMA application_id = 1768057188;
PRAGMA user_version = 1;
COMMIT;
