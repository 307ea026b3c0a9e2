#!/usr/bin/perl
# Writes two tiny MaxMind-format databases into the folder given, laid out
# as MaxMind's GeoLite2-City and GeoLite2-ASN files are (same keys, same
# types), with a fixed build date so that every run writes the same bytes:
#   make_geoip_test_db.pl DIR [BUILD_EPOCH]
# The networks and names are test data, chosen to cover what the reader must
# handle: full records, a country-only record, two subdivisions (the most
# specific one wins), no location, an ASN without organisation, IPv6, and a
# private network that must never be looked up.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($dir, $epoch) = @ARGV;
die "usage: $0 DIR [BUILD_EPOCH]\n" unless defined $dir;
$epoch //= 1764547200;    # 2025-12-01T00:00:00Z

my %types = (
    city                           => 'map',
    continent                      => 'map',
    country                        => 'map',
    registered_country             => 'map',
    subdivisions                   => [ 'array', 'map' ],
    location                       => 'map',
    names                          => 'map',
    en                             => 'utf8_string',
    de                             => 'utf8_string',
    code                           => 'utf8_string',
    iso_code                       => 'utf8_string',
    geoname_id                     => 'uint32',
    latitude                       => 'double',
    longitude                      => 'double',
    accuracy_radius                => 'uint16',
    time_zone                      => 'utf8_string',
    is_in_european_union           => 'boolean',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
);

sub tree {
    my ($type, $description) = @_;
    return MaxMind::DB::Writer::Tree->new(
        ip_version               => 6,
        record_size              => 28,
        database_type            => $type,
        languages                => ['en'],
        description              => { en => $description },
        map_key_type_callback    => sub { $types{ $_[0] } },
        remove_reserved_networks => 0,    # the private network below is on purpose
        _build_epoch             => $epoch,
    );
}

sub place {
    my (%p) = @_;
    my %r;
    $r{continent} = { code => $p{continent_code}, geoname_id => 6255148, names => { en => $p{continent}, de => "x" } }
        if $p{continent};
    $r{country} = { iso_code => $p{country_iso}, geoname_id => 1, names => { en => $p{country}, de => "y" } }
        if $p{country};
    $r{registered_country} = $r{country} if $r{country};
    $r{subdivisions} = [ map { { iso_code => $_->[0], geoname_id => 2, names => { en => $_->[1] } } }
            @{ $p{subdivisions} } ]
        if $p{subdivisions};
    $r{city} = { geoname_id => 3, names => { en => $p{city}, de => "z" } } if $p{city};
    $r{location} = { latitude => $p{lat}, longitude => $p{lon}, accuracy_radius => 100, time_zone => $p{tz} // 'UTC' }
        if defined $p{lat};
    return \%r;
}

my $city = tree('GeoLite2-City', 'flowdex test City database');
$city->insert_network('81.2.69.0/24', place(
    continent => 'Europe', continent_code => 'EU', country => 'United Kingdom', country_iso => 'GB',
    subdivisions => [ [ 'ENG', 'England' ], [ 'WBK', 'West Berkshire' ] ], city => 'Boxford',
    lat => 51.75, lon => -1.25, tz => 'Europe/London'));
$city->insert_network('216.160.83.56/29', place(
    continent => 'North America', continent_code => 'NA', country => 'United States', country_iso => 'US',
    subdivisions => [ [ 'WA', 'Washington' ] ], city => 'Milton', lat => 47.2513, lon => -122.3149));
$city->insert_network('52.94.0.0/16', place(
    continent => 'North America', continent_code => 'NA', country => 'United States', country_iso => 'US',
    subdivisions => [ [ 'VA', 'Virginia' ] ], city => 'Ashburn', lat => 39.0469, lon => -77.4903));
$city->insert_network('1.128.0.0/11', place(
    continent => 'Oceania', continent_code => 'OC', country => 'Australia', country_iso => 'AU',
    lat => -33.494, lon => 143.2104));
$city->insert_network('89.160.20.128/25', place(
    continent => 'Europe', continent_code => 'EU', country => 'Sweden', country_iso => 'SE',
    subdivisions => [ [ 'E', "\x{d6}sterg\x{f6}tland County" ] ], city => "Link\x{f6}ping",
    lat => 58.4167, lon => 15.6167));
$city->insert_network('2001:480::/32', place(
    continent => 'North America', continent_code => 'NA', country => 'United States', country_iso => 'US',
    lat => 37.751, lon => -97.822));
$city->insert_network('175.16.199.0/24', place(continent => 'Asia', continent_code => 'AS'));
$city->insert_network('10.0.0.0/8', place(
    continent => 'Europe', continent_code => 'EU', country => 'Nowhere', country_iso => 'ZZ'));

my $asn = tree('GeoLite2-ASN', 'flowdex test ASN database');
$asn->insert_network('81.2.69.0/24',
    { autonomous_system_number => 20712, autonomous_system_organization => 'Andrews & Arnold Ltd' });
$asn->insert_network('216.160.83.56/29',
    { autonomous_system_number => 209, autonomous_system_organization => 'Qwest Communications Corporation' });
$asn->insert_network('52.94.0.0/16', { autonomous_system_number => 16509, autonomous_system_organization => 'AMAZON-02' });
$asn->insert_network('1.128.0.0/11',
    { autonomous_system_number => 1221, autonomous_system_organization => 'Telstra Corporation Ltd' });
$asn->insert_network('89.160.20.128/25',
    { autonomous_system_number => 29518, autonomous_system_organization => 'Bredband2 AB' });
$asn->insert_network('45.0.0.0/16', { autonomous_system_number => 64500 });
$asn->insert_network('2001:480::/32',
    { autonomous_system_number => 668, autonomous_system_organization => 'DoD Network Information Center' });
$asn->insert_network('10.0.0.0/8', { autonomous_system_number => 64512, autonomous_system_organization => 'Private' });

for ([ $city, 'GeoLite2-City.mmdb' ], [ $asn, 'GeoLite2-ASN.mmdb' ]) {
    my ($t, $name) = @$_;
    open my $fh, '>:raw', "$dir/$name.tmp" or die "$dir/$name.tmp: $!";
    $t->write_tree($fh);
    close $fh or die "$dir/$name.tmp: $!";
    rename "$dir/$name.tmp", "$dir/$name" or die "$dir/$name: $!";
}
