DROP TABLE rollup_deltas;
