<?php
/*
 * Blanca test harness: turns SAML 2.0 SP metadata XML (stdin) into the
 * SimpleSAMLphp saml20-sp-remote array (stdout, JSON), using SimpleSAMLphp's
 * own parser, exactly as its metadata converter does. Needs
 * SIMPLESAMLPHP_CONFIG_DIR to point at a harness config dir.
 */
require '/usr/share/simplesamlphp/lib/_autoload.php';

$xml = stream_get_contents(STDIN);
try {
    $entities = \SimpleSAML\Metadata\SAMLParser::parseDescriptorsString($xml);
    $out = [];
    foreach ($entities as $entityId => $entity) {
        $sp = $entity->getMetadata20SP();
        if ($sp !== null) {
            $out[] = $sp;
        }
    }
    if (count($out) === 0) {
        throw new \Exception('no SPSSODescriptor found in the metadata');
    }
    echo json_encode($out, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES);
} catch (\Throwable $e) {
    fwrite(STDERR, $e->getMessage() . "\n");
    exit(1);
}
