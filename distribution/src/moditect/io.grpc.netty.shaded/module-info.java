// Module descriptor added to grpc-netty-shaded by moditect at build time (distribution/pom.xml, add-module-info), after
// META-INF/versions/** is stripped from the jar: a stray netty-tcnative module-info.class there makes moditect refuse
// it. Bootstrapped with: jdeps --generate-module-info --multi-release 17 --ignore-missing-deps; then edited: named
// io.grpc.netty.shaded (its Automatic-Module-Name); slf4j and annotations 'requires static' (netty logs through slf4j
// when the image has it); jdk.jfr kept (netty's allocator events); the BlockHound provider dropped (BlockHound is not
// here); 'uses' for netty's ChannelInitializerExtension.
module io.grpc.netty.shaded {
    requires transitive io.grpc;
    requires io.grpc.internal;
    requires com.google.common;
    requires io.perfmark;
    requires java.logging;
    requires java.naming;
    requires jdk.jfr;
    requires jdk.unsupported;
    requires static org.slf4j;
    requires static com.google.errorprone.annotations;
    requires static jsr305;

    exports io.grpc.netty.shaded.io.grpc.netty;
    exports io.grpc.netty.shaded.io.netty.bootstrap;
    exports io.grpc.netty.shaded.io.netty.buffer;
    exports io.grpc.netty.shaded.io.netty.buffer.search;
    exports io.grpc.netty.shaded.io.netty.channel;
    exports io.grpc.netty.shaded.io.netty.channel.embedded;
    exports io.grpc.netty.shaded.io.netty.channel.epoll;
    exports io.grpc.netty.shaded.io.netty.channel.group;
    exports io.grpc.netty.shaded.io.netty.channel.internal;
    exports io.grpc.netty.shaded.io.netty.channel.local;
    exports io.grpc.netty.shaded.io.netty.channel.nio;
    exports io.grpc.netty.shaded.io.netty.channel.oio;
    exports io.grpc.netty.shaded.io.netty.channel.pool;
    exports io.grpc.netty.shaded.io.netty.channel.socket;
    exports io.grpc.netty.shaded.io.netty.channel.socket.nio;
    exports io.grpc.netty.shaded.io.netty.channel.socket.oio;
    exports io.grpc.netty.shaded.io.netty.channel.unix;
    exports io.grpc.netty.shaded.io.netty.handler.address;
    exports io.grpc.netty.shaded.io.netty.handler.codec;
    exports io.grpc.netty.shaded.io.netty.handler.codec.base64;
    exports io.grpc.netty.shaded.io.netty.handler.codec.bytes;
    exports io.grpc.netty.shaded.io.netty.handler.codec.compression;
    exports io.grpc.netty.shaded.io.netty.handler.codec.http;
    exports io.grpc.netty.shaded.io.netty.handler.codec.http.cookie;
    exports io.grpc.netty.shaded.io.netty.handler.codec.http.cors;
    exports io.grpc.netty.shaded.io.netty.handler.codec.http.multipart;
    exports io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx;
    exports io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.extensions;
    exports io.grpc.netty.shaded.io.netty.handler.codec.http.websocketx.extensions.compression;
    exports io.grpc.netty.shaded.io.netty.handler.codec.http2;
    exports io.grpc.netty.shaded.io.netty.handler.codec.json;
    exports io.grpc.netty.shaded.io.netty.handler.codec.rtsp;
    exports io.grpc.netty.shaded.io.netty.handler.codec.serialization;
    exports io.grpc.netty.shaded.io.netty.handler.codec.socks;
    exports io.grpc.netty.shaded.io.netty.handler.codec.socksx;
    exports io.grpc.netty.shaded.io.netty.handler.codec.socksx.v4;
    exports io.grpc.netty.shaded.io.netty.handler.codec.socksx.v5;
    exports io.grpc.netty.shaded.io.netty.handler.codec.spdy;
    exports io.grpc.netty.shaded.io.netty.handler.codec.string;
    exports io.grpc.netty.shaded.io.netty.handler.flow;
    exports io.grpc.netty.shaded.io.netty.handler.flush;
    exports io.grpc.netty.shaded.io.netty.handler.ipfilter;
    exports io.grpc.netty.shaded.io.netty.handler.logging;
    exports io.grpc.netty.shaded.io.netty.handler.pcap;
    exports io.grpc.netty.shaded.io.netty.handler.proxy;
    exports io.grpc.netty.shaded.io.netty.handler.ssl;
    exports io.grpc.netty.shaded.io.netty.handler.ssl.util;
    exports io.grpc.netty.shaded.io.netty.handler.stream;
    exports io.grpc.netty.shaded.io.netty.handler.timeout;
    exports io.grpc.netty.shaded.io.netty.handler.traffic;
    exports io.grpc.netty.shaded.io.netty.internal.tcnative;
    exports io.grpc.netty.shaded.io.netty.resolver;
    exports io.grpc.netty.shaded.io.netty.util;
    exports io.grpc.netty.shaded.io.netty.util.collection;
    exports io.grpc.netty.shaded.io.netty.util.concurrent;
    exports io.grpc.netty.shaded.io.netty.util.internal;
    exports io.grpc.netty.shaded.io.netty.util.internal.logging;
    exports io.grpc.netty.shaded.io.netty.util.internal.shaded.org.jctools.counters;
    exports io.grpc.netty.shaded.io.netty.util.internal.shaded.org.jctools.maps;
    exports io.grpc.netty.shaded.io.netty.util.internal.shaded.org.jctools.queues;
    exports io.grpc.netty.shaded.io.netty.util.internal.shaded.org.jctools.queues.atomic;
    exports io.grpc.netty.shaded.io.netty.util.internal.shaded.org.jctools.queues.atomic.unpadded;
    exports io.grpc.netty.shaded.io.netty.util.internal.shaded.org.jctools.queues.unpadded;
    exports io.grpc.netty.shaded.io.netty.util.internal.shaded.org.jctools.util;
    exports io.grpc.netty.shaded.io.netty.util.internal.svm;

    uses io.grpc.netty.shaded.io.netty.bootstrap.ChannelInitializerExtension;

    provides io.grpc.ManagedChannelProvider with
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelProvider,
        io.grpc.netty.shaded.io.grpc.netty.UdsNettyChannelProvider;
    provides io.grpc.NameResolverProvider with
        io.grpc.netty.shaded.io.grpc.netty.UdsNameResolverProvider;
    provides io.grpc.ServerProvider with
        io.grpc.netty.shaded.io.grpc.netty.NettyServerProvider;
}
