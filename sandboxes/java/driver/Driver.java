// humaneval-x test driver for Java: java -cp {toolchains}/java/driver:. humaneval_x.test.Driver
//
// The tests (class Main, the dataset's own text) live in package humaneval_x.test, the completion
// in package humaneval_x.solution, so no class of the completion can stand for a name the tests
// use. `Solution` in this package forwards each method of the prompt to the completion's class
// and passes the answer through Guard, which copies it into JDK values and rejects anything of
// a class the completion could have written. main reads the token from stdin and loads every
// class of the tests from the job folder before any class of the completion is loaded (so no
// class file the completion writes at run time can stand for one), runs Main.main, and writes
// the proof line after the last assertion. Driver and Guard are built once, by prepare.sh, into
// the prepared toolchain, which comes first on the class path and which no job can write.
package humaneval_x.test;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

public final class Driver {
    // The token stays in this frame: no field holds it, so reflection cannot reach it.
    public static void main(String[] args) throws Exception {
        byte[] token = new String(System.in.readAllBytes(), StandardCharsets.US_ASCII).trim()
                .getBytes(StandardCharsets.US_ASCII);
        FileOutputStream out = new FileOutputStream(FileDescriptor.out);
        loadTests();
        try {
            Main.main(args);
        } catch (AssertionError failure) {
            failure.printStackTrace();
            report(out, token, "fail an assertion did not hold");
            Runtime.getRuntime().halt(1);
        } catch (Guard.Rejected rejected) {
            report(out, token, "reject " + rejected.getMessage());
            Runtime.getRuntime().halt(1);
        }
        report(out, token, "done");
        Runtime.getRuntime().halt(0);
    }

    /** Loads (without initialising) every class the job's compile wrote for the tests. */
    private static void loadTests() throws ClassNotFoundException {
        String[] names = new File("humaneval_x/test").list();
        if (names == null) return;
        java.util.Arrays.sort(names);
        ClassLoader loader = Driver.class.getClassLoader();
        for (String name : names) {
            if (name.endsWith(".class")) {
                String className = name.substring(0, name.length() - ".class".length());
                Class.forName("humaneval_x.test." + className, false, loader);
            }
        }
    }

    private static void report(FileOutputStream out, byte[] token, String event) {
        String line = "\nHUMANEVAL_X " + new String(token, StandardCharsets.US_ASCII) + " " + event;
        try {
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            Runtime.getRuntime().halt(1);
        }
    }
}

final class Guard {
    /** An answer that is not made of JDK values; Driver.main reports it. */
    static final class Rejected extends Error {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }

    /** A copy of an answer made of JDK values only; anything else ends the program. */
    @SuppressWarnings("unchecked")
    static <T> T copy(T answer) {
        return (T) value(answer, 0);
    }

    private static Object value(Object answer, int depth) {
        if (answer == null) return null;
        Class<?> type = answer.getClass();
        if (depth > 100) reject(type);
        if (type == String.class || type == Integer.class || type == Long.class || type == Double.class
                || type == Boolean.class || type == Character.class || type == Float.class
                || type == Short.class || type == Byte.class || type == BigInteger.class
                || type == BigDecimal.class) {
            return answer;
        }
        if (type.isArray()) {
            int length = Array.getLength(answer);
            Object copy = Array.newInstance(type.getComponentType(), length);
            for (int i = 0; i < length; i++) Array.set(copy, i, value(Array.get(answer, i), depth + 1));
            if (!type.getComponentType().isPrimitive() && !isJdk(type.getComponentType())) reject(type);
            return copy;
        }
        if (answer instanceof Optional<?> optional) {
            return optional.map(inner -> value(inner, depth + 1));
        }
        if (answer instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                copy.put(value(entry.getKey(), depth + 1), value(entry.getValue(), depth + 1));
            }
            return copy;
        }
        if (answer instanceof List<?> list) {
            List<Object> copy = new ArrayList<>();
            for (Object item : list) copy.add(value(item, depth + 1));
            return copy;
        }
        if (answer instanceof Set<?> set) {
            Set<Object> copy = new LinkedHashSet<>();
            for (Object item : set) copy.add(value(item, depth + 1));
            return copy;
        }
        if (answer instanceof Collection<?>) reject(type);
        if (isJdk(type) && type.isEnum()) return answer;
        throw new Rejected("an answer of " + type.getName() + " is not a JDK value");
    }

    private static boolean isJdk(Class<?> type) {
        return type.getClassLoader() == null;
    }

    private static void reject(Class<?> type) {
        throw new Rejected("an answer of " + type.getName() + " is not a JDK value");
    }
}
