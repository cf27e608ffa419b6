SELECT df.deploy('nightly_rollup', $dfc$workflow nightly_rollup(days int = 7, region text = 'eu') {
  'DELETE FROM staging WHERE age > {days} AND region = ''{region}'''
  ~> (('SELECT count(*) FROM a' |=> 'a') & ('SELECT count(*) FROM b' |=> 'b'))
  ~> df.http('https://hooks.example.com/{region}', body => '{"done": true}', timeout_seconds => 10)
}
$dfc$);
SELECT df.deploy('poll', $dfc$workflow poll(limit int = 10) {
  @> (
    ('SELECT id FROM jobs LIMIT {limit}' |=> 'pending')
    ~> df.if_rows('pending', df.sleep(5), df.break())
  )
}
$dfc$);
