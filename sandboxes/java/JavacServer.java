// A long-lived javac for one job-runner worker: compiles sources sent on stdin, in memory.
//
// Protocol (big-endian, strings are an int byte length then UTF-8), requests on stdin and
// responses on the pipe whose file descriptor number is the last argument, so that nothing the
// JVM itself prints can corrupt them:
//   request:  int argc, argc x string (javac options and source names),
//             int nfiles, nfiles x (string name, string text)
//   response: int exit code, string stdout, string stderr, int nclasses,
//             nclasses x (string file path, int length, bytes)
// Class files are named by their package path (humaneval_x/test/Main.class), as `javac -d .`
// would write them.
// Each request gets a fresh compilation task; the file manager, which caches the platform's
// classes, is shared, and holds no sources or classes of a request (they stay in memory, in
// the request's own wrapper); its class path is the request's -cp (prepared folders). The server reads and writes no files and never runs the code it
// compiles (annotation processing is off). At start it makes itself
// non-dumpable, so programs of the same uid can neither ptrace it nor open its /proc files.

import java.io.*;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.*;
import javax.tools.*;
import jdk.incubator.foreign.CLinker;
import jdk.incubator.foreign.FunctionDescriptor;

public final class JavacServer {
    private static final int PR_SET_DUMPABLE = 4;

    public static void main(String[] args) throws Throwable {
        // Answers go to the pipe whose descriptor is the last argument; /proc/self/fd closes to
        // this process's own uid once it is not dumpable.
        OutputStream protocol = new FileOutputStream("/proc/self/fd/" + args[args.length - 1]);
        becomeNonDumpable();
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(protocol));
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        StandardJavaFileManager platform = compiler.getStandardFileManager(null, null,
                StandardCharsets.UTF_8);
        platform.setLocation(StandardLocation.CLASS_PATH, List.of());
        while (true) {
            int argc;
            try {
                argc = in.readInt();
            } catch (EOFException end) {
                return;
            }
            List<String> argv = new ArrayList<>();
            for (int i = 0; i < argc; i++) argv.add(readString(in));
            Map<String, String> files = new LinkedHashMap<>();
            int count = in.readInt();
            for (int i = 0; i < count; i++) files.put(readString(in), readString(in));
            boolean fatal = compile(compiler, platform, argv, files, out);
            out.flush();
            if (fatal) System.exit(3);
        }
    }

    private static void becomeNonDumpable() throws Throwable {
        MethodHandle prctl = CLinker.getInstance().downcallHandle(
                CLinker.systemLookup().lookup("prctl").orElseThrow(),
                MethodType.methodType(int.class, int.class, long.class, long.class, long.class,
                        long.class),
                FunctionDescriptor.of(CLinker.C_INT, CLinker.C_INT, CLinker.C_LONG,
                        CLinker.C_LONG, CLinker.C_LONG, CLinker.C_LONG));
        if ((int) prctl.invokeExact(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) != 0) {
            throw new IllegalStateException("prctl(PR_SET_DUMPABLE) failed");
        }
    }

    /** Compile like `javac OPTIONS SOURCES`; return whether the JVM itself is in trouble. */
    private static boolean compile(JavaCompiler compiler, StandardJavaFileManager platform,
                                   List<String> argv, Map<String, String> files,
                                   DataOutputStream out)
            throws IOException {
        List<String> options = new ArrayList<>(List.of("-proc:none"));
        List<JavaFileObject> sources = new ArrayList<>();
        List<File> classPath = new ArrayList<>();
        for (int i = 0; i < argv.size(); i++) {
            String arg = argv.get(i);
            if (arg.endsWith(".java") && files.containsKey(arg)) {
                sources.add(new Source(arg, files.get(arg)));
            } else if ((arg.equals("-cp") || arg.equals("-classpath")) && i + 1 < argv.size()) {
                for (String entry : argv.get(++i).split(":")) classPath.add(new File(entry));
            } else {
                options.add(arg);
            }
        }
        // The shared file manager reads classes from the given folders only (prepared ones).
        platform.setLocation(StandardLocation.CLASS_PATH, classPath);
        StringWriter log = new StringWriter();
        Map<String, byte[]> classes = new TreeMap<>();
        int exit;
        boolean fatal = false;
        try {
            JavaFileManager manager = new Memory(platform, classes);
            boolean ok = compiler.getTask(log, manager, null, options, null, sources).call();
            exit = ok ? 0 : 1;
        } catch (IllegalArgumentException | IllegalStateException bad) {
            log.write("error: " + bad.getMessage() + "\n");
            exit = 2;
        } catch (Throwable broken) {  // e.g. OutOfMemoryError: answer, then exit
            log.write("An exception has occurred in the compiler: " + broken + "\n");
            exit = 4;
            fatal = true;
        }
        if (exit != 0) classes.clear();
        out.writeInt(exit);
        writeString(out, "");
        writeString(out, log.toString());
        out.writeInt(classes.size());
        for (Map.Entry<String, byte[]> entry : classes.entrySet()) {
            writeString(out, entry.getKey());
            out.writeInt(entry.getValue().length);
            out.write(entry.getValue());
        }
        return fatal;
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void writeString(DataOutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** A source file held in memory, named as on the javac command line. */
    private static final class Source extends SimpleJavaFileObject {
        private final String name;
        private final String text;

        Source(String name, String text) {
            super(URI.create("mem:///" + name), Kind.SOURCE);
            this.name = name;
            this.text = text;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }

    /** Keeps class files in memory, by their package path. */
    private static final class Memory extends ForwardingJavaFileManager<JavaFileManager> {
        private final Map<String, byte[]> classes;

        Memory(JavaFileManager standard, Map<String, byte[]> classes) {
            super(standard);
            this.classes = classes;
        }

        @Override
        public void close() {
            // The shared platform file manager stays open for the next request.
        }

        @Override
        public JavaFileObject getJavaFileForOutput(Location location, String className,
                                                   JavaFileObject.Kind kind, FileObject sibling) {
            String file = className.replace('.', '/') + kind.extension;
            return new SimpleJavaFileObject(URI.create("mem:///" + file), kind) {
                @Override
                public OutputStream openOutputStream() {
                    return new ByteArrayOutputStream() {
                        @Override
                        public void close() {
                            classes.put(file, toByteArray());
                        }
                    };
                }
            };
        }
    }
}
