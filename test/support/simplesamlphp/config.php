<?php
/*
 * Blanca test harness: SimpleSAMLphp main configuration.
 *
 * Copied by test/support/simplesamlphp.ts into a private temp config dir
 * (SIMPLESAMLPHP_CONFIG_DIR). Every value that differs per harness instance
 * lives in harness-config.json next to this file; PHP re-reads both on every
 * request, so nothing is cached between requests.
 */
$h = json_decode(file_get_contents(__DIR__ . '/harness-config.json'), true, 64, JSON_THROW_ON_ERROR);

$config = [
    'baseurlpath' => $h['baseurlpath'],
    'certdir' => $h['certdir'],
    'loggingdir' => $h['loggingdir'],
    'datadir' => $h['datadir'],
    'tempdir' => $h['tempdir'],
    'metadatadir' => $h['metadatadir'],
    'attributenamemapdir' => '/usr/share/simplesamlphp/attributemap/',

    'secretsalt' => $h['secretsalt'],
    'auth.adminpassword' => $h['adminpassword'],
    'technicalcontact_name' => 'Blanca test harness',
    'technicalcontact_email' => 'harness@example.test',
    'timezone' => 'UTC',

    'admin.protectindexpage' => false,
    'admin.protectmetadata' => false,
    'admin.checkforupdates' => false,
    // RelayState / ReturnTo targets the IdP may redirect to (initSLO, logout.php): regexes over
    // "host[:port]", because SPs on loopback use arbitrary ports.
    'trusted.url.domains' => $h['trusted_domains'],
    'trusted.url.regex' => true,
    'enable.http_post' => false,
    'assertion.allowed_clock_skew' => 180,

    'debug' => ['saml' => $h['debug_saml'], 'backtraces' => true, 'validatexml' => false],
    'showerrors' => true,
    'errorreporting' => false,

    'logging.level' => $h['debug_saml'] ? SimpleSAML\Logger::DEBUG : SimpleSAML\Logger::INFO,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'statistics.out' => [],

    'enable.saml20-idp' => true,
    'enable.shib13-idp' => false,
    'enable.adfs-idp' => false,

    // exampleauth ships with a "default-disable" file in the Debian package.
    'module.enable' => [
        'exampleauth' => true,
        'core' => true,
        'saml' => true,
        'admin' => true,
    ],

    'session.duration' => 8 * 60 * 60,
    'session.datastore.timeout' => 4 * 60 * 60,
    'session.state.timeout' => 60 * 60,
    'session.cookie.name' => 'SimpleSAMLSessionID',
    'session.cookie.lifetime' => 0,
    'session.cookie.path' => '/',
    'session.cookie.domain' => null,
    // Debian's defaults (Secure + SameSite=None) make every cookie vanish over plain-HTTP loopback.
    'session.cookie.secure' => false,
    'session.cookie.samesite' => 'Lax',
    'session.phpsession.cookiename' => 'SimpleSAML',
    'session.phpsession.savepath' => $h['sessiondir'],
    'session.phpsession.httponly' => true,
    'session.authtoken.cookiename' => 'SimpleSAMLAuthToken',
    'session.rememberme.enable' => false,

    'language.default' => 'en',
    'language.cookie.secure' => false,
    'language.cookie.samesite' => 'Lax',

    'theme.use' => 'default',
    'template.auto_reload' => false,
    'production' => true,

    'authproc.idp' => [],
    'authproc.sp' => [],

    'metadata.sources' => [['type' => 'flatfile']],
    'metadata.sign.enable' => false,

    'store.type' => 'phpsession',
];
