#!/usr/bin/perl
# Writes GeoLite2-City.mmdb and GeoLite2-ASN.mmdb into DIR for generated
# flows (`flowdex gen`): every /16 of the first octets gen draws public
# addresses from (and a few more), each with a country, region, city,
# location and AS, so that every public address is found and enriched (the
# ingest benchmark's slow case; the UI test's countries). Synthetic names
# ("City 12", "Network 7") on real country names. Same writer and layout
# as MaxMind's files; far fewer networks than GeoLite2 (~8,000 against ~4
# million), so the tree is shallower: the per-address cache makes that
# matter little.
#   make_geoip_sample_db.pl DIR
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($dir) = @ARGV;
die "usage: $0 DIR\n" unless defined $dir;
my %types = (
    city => 'map', continent => 'map', country => 'map', subdivisions => [ 'array', 'map' ], location => 'map',
    names => 'map', en => 'utf8_string', code => 'utf8_string', iso_code => 'utf8_string', geoname_id => 'uint32',
    latitude => 'double', longitude => 'double', accuracy_radius => 'uint16',
    autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string',
);
sub tree {
    my ($type) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version => 6, record_size => 28, database_type => $type, languages => ['en'],
        description => { en => "flowdex benchmark $type" }, map_key_type_callback => sub { $types{ $_[0] } },
        _build_epoch => 1764547200,
    );
}
my @countries = (
    [ 'US', 'United States',  'North America', 'NA' ], [ 'DE', 'Germany',   'Europe', 'EU' ],
    [ 'JP', 'Japan',          'Asia',          'AS' ], [ 'BR', 'Brazil',    'South America', 'SA' ],
    [ 'GB', 'United Kingdom', 'Europe',        'EU' ], [ 'IN', 'India',     'Asia', 'AS' ],
    [ 'AU', 'Australia',      'Oceania',       'OC' ], [ 'ZA', 'South Africa', 'Africa', 'AF' ],
);
my @octets = (3, 13, 18, 23, 31, 34, 35, 44, 45, 52, 54, 61, 64, 80, 89, 92, 103, 104, 140, 141, 142, 151, 157,
              162, 172, 179, 185, 193, 194, 195, 199, 216, 222);
my $city = tree('GeoLite2-City');
my $asn = tree('GeoLite2-ASN');
my $n = 0;
for my $first (@octets) {
    for my $second (0 .. 255) {
        next if $first == 172 && $second >= 16 && $second < 32;    # 172.16/12 is private
        my $c = $countries[ $n % @countries ];
        my $net = "$first.$second.0.0/16";
        $city->insert_network($net, {
            continent => { code => $c->[3], geoname_id => 1, names => { en => $c->[2] } },
            country => { iso_code => $c->[0], geoname_id => 2, names => { en => $c->[1] } },
            subdivisions => [ { iso_code => sprintf('R%d', $n % 50), geoname_id => 3, names => { en => "Region " . ($n % 50) } } ],
            city => { geoname_id => 4, names => { en => "City $n" } },
            location => { latitude => -60 + ($n % 120) + 0.1234, longitude => -170 + ($n * 7 % 340) + 0.5678,
                          accuracy_radius => 50 },
        });
        $asn->insert_network($net,
            { autonomous_system_number => 64512 + $n % 1000, autonomous_system_organization => "Network " . ($n % 1000) });
        ++$n;
    }
}
for ([ $city, 'GeoLite2-City.mmdb' ], [ $asn, 'GeoLite2-ASN.mmdb' ]) {
    my ($t, $name) = @$_;
    open my $fh, '>:raw', "$dir/$name" or die "$dir/$name: $!";
    $t->write_tree($fh);
    close $fh or die "$dir/$name: $!";
}
