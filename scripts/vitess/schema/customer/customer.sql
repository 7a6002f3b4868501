-- vstream-relay conformance schema of the sharded keyspace `customer` (shards -80 and 80-): rows are placed by
-- the hash vindex on customer_id (see vschema.json), so both shards get some of every table.
create table if not exists customer (
  customer_id bigint unsigned not null,
  email varchar(128) not null,
  tier enum('free', 'pro') not null default 'free',
  balance decimal(12, 2) null,
  primary key (customer_id)
) engine=InnoDB default charset=utf8mb4;

create table if not exists corder (
  order_id bigint unsigned not null,
  customer_id bigint unsigned not null,
  sku varchar(64) not null,
  price decimal(10, 2) not null,
  primary key (order_id, customer_id)
) engine=InnoDB default charset=utf8mb4;
