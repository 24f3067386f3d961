// Neo4j 5.x schema of kgmatch: constraints and indexes, applied by `kgmatch --store neo4j init`.
// Every statement is idempotent (IF NOT EXISTS). Labels and keys mirror graph/model.py;
// tests/test_schema.py checks that every label has its uniqueness constraint.

// -- one uniqueness constraint per label key (also gives the lookup index on id)
CREATE CONSTRAINT enterprise_id IF NOT EXISTS FOR (n:Enterprise) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT demand_id IF NOT EXISTS FOR (n:Demand) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT field_id IF NOT EXISTS FOR (n:Field) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT industry_id IF NOT EXISTS FOR (n:Industry) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT region_id IF NOT EXISTS FOR (n:Region) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT expert_id IF NOT EXISTS FOR (n:Expert) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT team_id IF NOT EXISTS FOR (n:Team) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT institution_id IF NOT EXISTS FOR (n:Institution) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT project_id IF NOT EXISTS FOR (n:Project) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT patent_id IF NOT EXISTS FOR (n:Patent) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT paper_id IF NOT EXISTS FOR (n:Paper) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT achievement_id IF NOT EXISTS FOR (n:Achievement) REQUIRE n.id IS UNIQUE;
// workflow facts
CREATE CONSTRAINT push_id IF NOT EXISTS FOR (n:Push) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT challenge_id IF NOT EXISTS FOR (n:Challenge) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT bid_id IF NOT EXISTS FOR (n:Bid) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT dispatch_id IF NOT EXISTS FOR (n:Dispatch) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT service_id IF NOT EXISTS FOR (n:Service) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT voucher_id IF NOT EXISTS FOR (n:Voucher) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT feedback_id IF NOT EXISTS FOR (n:Feedback) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT delivery_id IF NOT EXISTS FOR (n:Delivery) REQUIRE n.id IS UNIQUE;
// activities and training (issue 16)
CREATE CONSTRAINT activity_id IF NOT EXISTS FOR (n:Activity) REQUIRE n.id IS UNIQUE;
// enterprise registry status (issue 16)
CREATE CONSTRAINT registration_id IF NOT EXISTS FOR (n:Registration) REQUIRE n.id IS UNIQUE;
// issue 16: service platforms and bases
CREATE CONSTRAINT platform_id IF NOT EXISTS FOR (n:Platform) REQUIRE n.id IS UNIQUE;
CREATE INDEX platform_kind IF NOT EXISTS FOR (n:Platform) ON (n.kind);

// -- lookups that recommendation and the pages filter on
CREATE INDEX field_scheme IF NOT EXISTS FOR (n:Field) ON (n.scheme, n.code);
CREATE INDEX expert_name IF NOT EXISTS FOR (n:Expert) ON (n.name);
CREATE INDEX institution_name IF NOT EXISTS FOR (n:Institution) ON (n.name);
CREATE INDEX enterprise_name IF NOT EXISTS FOR (n:Enterprise) ON (n.name);
CREATE INDEX demand_status IF NOT EXISTS FOR (n:Demand) ON (n.status);
CREATE INDEX project_year IF NOT EXISTS FOR (n:Project) ON (n.start_year);
CREATE INDEX project_source IF NOT EXISTS FOR (n:Project) ON (n.source);
CREATE INDEX expert_division IF NOT EXISTS FOR (n:Expert) ON (n.academy, n.division);
CREATE INDEX region_level IF NOT EXISTS FOR (n:Region) ON (n.level);
CREATE INDEX push_status IF NOT EXISTS FOR (n:Push) ON (n.status);
CREATE INDEX delivery_status IF NOT EXISTS FOR (n:Delivery) ON (n.status);
CREATE INDEX challenge_status IF NOT EXISTS FOR (n:Challenge) ON (n.status);
CREATE INDEX activity_status IF NOT EXISTS FOR (n:Activity) ON (n.status, n.kind);
// enterprise registry status and service modes (issue 16): the filters of demand lists and reports
CREATE INDEX registration_kind IF NOT EXISTS FOR (n:Registration) ON (n.kind, n.year);
CREATE INDEX dispatch_mode IF NOT EXISTS FOR (n:Dispatch) ON (n.service_mode);
CREATE INDEX service_form IF NOT EXISTS FOR (n:Service) ON (n.cooperation_form);

// -- Chinese full-text search over names, titles and keywords (CJK bigram analyzer); platforms since
//    issue 16 (init_schema drops and recreates an index whose labels differ from these)
CREATE FULLTEXT INDEX entity_text IF NOT EXISTS
FOR (n:Expert|Institution|Enterprise|Demand|Project|Field|Team|Platform)
ON EACH [n.name, n.title, n.keywords_text, n.description]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}};
